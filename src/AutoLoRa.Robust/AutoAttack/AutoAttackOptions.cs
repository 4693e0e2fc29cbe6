namespace AutoLoRa.Robust;

/// <summary>Where the runner is: the attack running and how many of its points are done.</summary>
public readonly record struct AttackProgress(string Attack, int Done, int Total);

/// <summary>
/// How <see cref="AutoAttackRunner"/> evaluates. Version "standard" runs APGD-CE → APGD-T → FAB-T →
/// Square with AutoAttack's defaults; a custom run names its attacks (<see cref="AttackCatalog"/>) or
/// passes attack objects.
/// </summary>
public sealed record AutoAttackOptions
{
    /// <summary>L∞ radius in [0, 1] pixel units (CIFAR 8/255, ImageNet 4/255).</summary>
    public required float Epsilon { get; init; }

    /// <summary>Attack names, run in order; null = the standard version.</summary>
    public IReadOnlyList<string>? Attacks { get; init; }

    /// <summary>Attack objects, run in order; takes precedence over <see cref="Attacks"/> (tests, custom settings).</summary>
    public IReadOnlyList<IAttack>? AttackInstances { get; init; }

    /// <summary>Step size of "pgdK" attacks named in <see cref="Attacks"/> (the demo and fashion-mnist plans use ε/10).</summary>
    public float PgdStepSize { get; init; } = PgdConfig.EvaluationStep;

    /// <summary>Points per attack call (the reference's bs; AutoLoRa uses 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Seeds every batch's random source, so a resumed run draws what an uninterrupted one would.</summary>
    public int Seed { get; init; }

    /// <summary>JSON file to save progress to after every batch and resume from; null = no state.</summary>
    public string? StatePath { get; init; }

    /// <summary>
    /// Start over when the state file at <see cref="StatePath"/> cannot be resumed (damaged, or
    /// another evaluation's), instead of failing with <see cref="AutoAttackStateException"/>; the
    /// report's <see cref="AutoAttackReport.DiscardedState"/> then says why it was discarded.
    /// </summary>
    public bool DiscardUnusableState { get; init; }

    /// <summary>Called after the clean pass's and every attack's batches.</summary>
    public Action<AttackProgress>? Progress { get; init; }

    /// <summary>Run the reliability checks on the first batch (randomness, softmax output, zero gradients, classes).</summary>
    public bool RunChecks { get; init; } = true;

    /// <summary>Float tolerance on the ε-ball and [0, 1] checks of returned images.</summary>
    public float BoundsTolerance { get; init; } = 1e-5f;

    /// <summary>Names of the standard version's attacks, in order.</summary>
    public static IReadOnlyList<string> Standard { get; } = ["apgd-ce", "apgd-t", "fab-t", "square"];

    /// <summary>Throws a message naming the bad option.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0 && Epsilon <= 1)) throw new ArgumentException($"AutoAttack eps must be in [0, 1] pixel units; got {Epsilon}.");
        if (!(PgdStepSize > 0)) throw new ArgumentException($"PGD step size must be positive; got {PgdStepSize}.");
        if (BatchSize < 1) throw new ArgumentException($"AutoAttack batch size must be positive; got {BatchSize}.");
    }
}
