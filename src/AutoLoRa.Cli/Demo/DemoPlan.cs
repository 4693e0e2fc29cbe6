namespace AutoLoRa.Cli.Demo;

/// <summary>
/// Sizes of the demo: how much of Fashion-MNIST each phase uses and for how many epochs. The
/// default takes about 5½ minutes on 2 idle cores (10 minutes of CPU time), --quick about 25 seconds.
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
}
