using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>The training methods a recipe can run.</summary>
public enum Method
{
    /// <summary>AutoLoRa (LoRA branch, automatic scalars and learning rate).</summary>
    AutoLora,

    /// <summary>Vanilla robust fine-tuning (TRADES).</summary>
    Vanilla,

    /// <summary>Natural (clean) fine-tuning.</summary>
    Natural,

    /// <summary>PGD adversarial training from scratch.</summary>
    PgdAt,

    /// <summary>TWINS-TRADES (two-wing batch-norms: frozen pre-trained statistics and adaptive ones).</summary>
    Twins,
}

/// <summary>
/// Everything a training run is configured by, with the reference's defaults. Null learning-rate
/// settings mean "the method's default": AutoLoRa's automatic schedule from 0.01; TRADES and
/// natural fine-tuning 0.01 divided by 10 at 50% and 83% of the epochs; TWINS 0.003 divided by 10
/// at 1/2 and 5/6 of them (its authors' CIFAR-10 script: epochs 30 and 50 of 60); PGD-AT 0.1 as TRADES.
/// </summary>
public sealed record RecipeSettings
{
    public required Method Method { get; init; }

    public required int Epochs { get; init; }

    public required string RunDirectory { get; init; }

    public int BatchSize { get; init; } = 128;

    public int Seed { get; init; } = 1;

    /// <summary>A fixed initial learning rate (disables AutoLoRa's automatic schedule).</summary>
    public float? LearningRate { get; init; }

    /// <summary>Epochs at which a fixed learning rate is divided by 10 (default: the method's, see the type's summary).</summary>
    public IReadOnlyList<int>? LearningRateMilestones { get; init; }

    public float Momentum { get; init; } = 0.9f;

    /// <summary>Null: 1e-4 for fine-tuning (the reference), 1e-5 for TWINS (its authors' CIFAR-10 script), 5e-4 for PGD-AT (Madry's CIFAR recipe).</summary>
    public float? WeightDecay { get; init; }

    public AttackSettings Attack { get; init; } = new();

    /// <summary>PGD steps of the validation attack (the reference validates with PGD-20).</summary>
    public int ValidationSteps { get; init; } = 20;

    /// <summary>Step size of the validation attack; null = the training attack's.</summary>
    public float? ValidationStepSize { get; init; }

    /// <summary>Held-out fraction of the training data for validation robust accuracy.</summary>
    public double ValidationFraction { get; init; } = 0.05;

    /// <summary>LoRA rank for AutoLoRa.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>Fixed λ1 and λ2 (both must be set): AutoLoRa without automatic scalars, or vanilla RFT/TWINS weighted λ1·CE + λ2·KL.</summary>
    public float? Lambda1 { get; init; }

    public float? Lambda2 { get; init; }

    public float Lambda2Max { get; init; } = 6f;

    public float Alpha { get; init; } = 1f;

    /// <summary>TRADES's β (vanilla RFT and TWINS).</summary>
    public float Beta { get; init; } = 6f;

    /// <summary>TWINS's γ, the weight of the frozen wing's CE and KL (1.0 in its authors' CIFAR-10 script).</summary>
    public float Gamma { get; init; } = 1f;

    /// <summary>How TWINS normalises each wing's KL (paper-code parity by default).</summary>
    public TwinsKlNormalization TwinsKl { get; init; } = TwinsKlNormalization.NominalBatch;

    /// <summary>
    /// AutoLoRa's scalar scheduler on vanilla RFT or TWINS (the authors' ablation): λ1 = 1 − SA^α
    /// weighs the clean CE and λ2 = λ2max·SA^α takes β's place, SA being the model's own clean
    /// accuracy on the scalar probe (eval mode; for TWINS the adaptive wing).
    /// </summary>
    public bool AutoScalars { get; init; }

    /// <summary>Batches of the gradient-similarity diagnostic recorded after every epoch (0: not tracked).</summary>
    public int GradSimBatches { get; init; }

    /// <summary>Training images AutoLoRa measures its natural-branch accuracy on (a fixed random subset).</summary>
    public int ScalarProbeSize { get; init; } = 2000;

    public int CropPadding { get; init; }

    public bool HorizontalFlip { get; init; }

    public bool Resume { get; init; } = true;
}
