namespace AutoLoRa.Robust;

/// <summary>The loss APGD maximises.</summary>
public enum ApgdLoss
{
    /// <summary>Cross-entropy (APGD-CE).</summary>
    CrossEntropy,

    /// <summary>Difference of logits ratio (APGD-DLR).</summary>
    Dlr,

    /// <summary>Targeted DLR, one run per target class (APGD-T).</summary>
    TargetedDlr,
}

/// <summary>
/// APGD settings; the defaults are AutoAttack's "standard" ones (100 iterations, one restart,
/// ρ = 0.75, initial step 2ε, 9 target classes for the targeted version).
/// </summary>
public sealed record ApgdConfig(float Epsilon, ApgdLoss Loss = ApgdLoss.CrossEntropy, int Iterations = 100, float Rho = 0.75f, int TargetClasses = 9)
{
    /// <summary>Initial step size in units of ε.</summary>
    public const float InitialStepFactor = 2f;

    /// <summary>Momentum weight on the new step after the first iteration.</summary>
    public const float Momentum = 0.75f;

    /// <summary>Throws a message naming the bad setting.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0) || Iterations < 1 || !(Rho > 0 && Rho <= 1) || TargetClasses < 1)
        {
            throw new ArgumentException($"Invalid APGD settings: eps {Epsilon}, iterations {Iterations}, rho {Rho}, target classes {TargetClasses}.");
        }
    }
}
