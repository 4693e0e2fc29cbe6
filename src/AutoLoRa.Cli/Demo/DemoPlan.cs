namespace AutoLoRa.Cli.Demo;

/// <summary>
/// Sizes of the demo: how much of Fashion-MNIST each phase uses and for how many epochs, and the
/// base width of the ResNet (a ViT's size fixes its width, so its plans record vit-mini's 64). Each
/// network has its own plans (<see cref="DemoModel.Plan"/>). The ResNet's default takes about 5½
/// minutes on 2 idle cores (10 minutes of CPU time), --quick about 25 seconds.
/// </summary>
internal sealed record DemoPlan(int PretrainImages, int PretrainEpochs, int FineTuneImages, int FineTuneEpochs, int TestImages, int AutoAttackImages, int Width)
{
    /// <summary>Fashion-MNIST is easier to perturb than CIFAR; 0.1 is the usual L∞ radius for it.</summary>
    public const float Epsilon = 0.1f;

    /// <summary>Training attack: PGD-10 with step ε/4.</summary>
    public const float TrainStep = Epsilon / 4, TestStep = Epsilon / 10;

    public const int TrainSteps = 10, TestSteps = 20;

    public const string SourceClasses = "0-4", TargetClasses = "5-9";

    public static DemoPlan Default { get; } = new(PretrainImages: 3000, PretrainEpochs: 4, FineTuneImages: 1500, FineTuneEpochs: 5, TestImages: 1000, AutoAttackImages: 50, Width: 16);

    public static DemoPlan Quick { get; } = new(PretrainImages: 600, PretrainEpochs: 1, FineTuneImages: 400, FineTuneEpochs: 1, TestImages: 200, AutoAttackImages: 20, Width: 8);

    /// <summary>
    /// The vit-mini's default. Where a ViT's CPU time goes (a loaded machine's CPU-seconds, from a
    /// --quick run): a PGD-AT image-epoch costs about 33 ms, and standard AutoAttack a nearly fixed
    /// ~25 s per model however few images it gets, because its thousands of small-batch passes
    /// (Square's 5,000 queries, APGD-T's and FAB-T's 4 × 100 iterations) are per-call overhead, not
    /// per-image work. So most of the budget goes to pre-training — fine-tuning a backbone that is
    /// not yet robust would compare nothing — at 5,000 images × 4 epochs; fine-tuning gets 1,200
    /// images × 3 epochs per method, PGD-20 400 test images (a standard error of ±2.5 points at
    /// 50 %), AutoAttack the first 25. Measured on 2 idle cores: 4 minutes 57 s (553 s of CPU time),
    /// the backbone at 66 % clean / 55 % robust on its validation images; a smaller plan (2,500 × 3,
    /// 800 × 2) took 2 minutes but left the fine-tuned models near chance (AutoAttack 20 % on 5 classes).
    /// </summary>
    public static DemoPlan VitDefault { get; } = new(PretrainImages: 5000, PretrainEpochs: 4, FineTuneImages: 1200, FineTuneEpochs: 3, TestImages: 400, AutoAttackImages: 25, Width: 64);

    /// <summary>
    /// The vit-mini's smoke run: every phase once on a few hundred images. AutoAttack's nearly fixed
    /// cost per model (see <see cref="VitDefault"/>) is most of it: 52 s of CPU time measured (10
    /// minutes of wall time under the load above).
    /// </summary>
    public static DemoPlan VitQuick { get; } = new(PretrainImages: 400, PretrainEpochs: 1, FineTuneImages: 200, FineTuneEpochs: 1, TestImages: 100, AutoAttackImages: 10, Width: 64);
}
