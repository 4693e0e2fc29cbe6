namespace AutoLoRa.Robust;

/// <summary>A warning that the evaluation may overstate robustness, with a code stable enough to test for.</summary>
public sealed record EvaluationFlag(string Code, string Message)
{
    /// <summary>Repeated forward passes disagree: the model is randomised; standard AutoAttack is not valid.</summary>
    public const string Randomized = "randomized";

    /// <summary>Outputs look like probabilities (rows in [0, 1] summing to 1) rather than logits.</summary>
    public const string SoftmaxOutput = "softmax-output";

    /// <summary>Some points have an exactly zero input gradient.</summary>
    public const string ZeroGradients = "zero-gradients";

    /// <summary>The black-box Square attack lowered accuracy clearly below the white-box attacks: gradient masking.</summary>
    public const string SquareBeatsWhiteBox = "square-beats-white-box";

    /// <summary>Too few classes for an attack (DLR needs 3, targeted DLR 4, 9 targets need 10).</summary>
    public const string TooFewClasses = "too-few-classes";

    /// <summary>An attack returned images outside the ε-ball or [0, 1], or with NaN; they were not counted as successes.</summary>
    public const string OutOfBounds = "out-of-bounds";
}
