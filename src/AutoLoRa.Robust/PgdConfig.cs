namespace AutoLoRa.Robust;

/// <summary>What PGD maximises.</summary>
public enum PgdObjective
{
    /// <summary>Cross-entropy against the true labels (Madry; AutoLoRa's training attack; PGD-k evaluation).</summary>
    CrossEntropy,

    /// <summary>KL(p(x) ‖ p(x_adv)) against the clean prediction (TRADES's inner maximisation).</summary>
    KlDivergence,
}

/// <summary>Where PGD starts.</summary>
public enum PgdStart
{
    /// <summary>x + U(−ε, ε), clipped to [0, 1] (Madry et al.).</summary>
    Uniform,

    /// <summary>x + 0.001·N(0, 1) (TRADES and the AutoLoRa reference).</summary>
    SmallGaussian,
}

/// <summary>An L∞ PGD attack: ε-ball radius, step size, number of steps, objective and start.</summary>
public sealed record PgdConfig(float Epsilon, float StepSize, int Steps, PgdObjective Objective = PgdObjective.CrossEntropy, PgdStart Start = PgdStart.Uniform)
{
    /// <summary>Standard deviation of the small Gaussian start.</summary>
    public const float SmallGaussianStd = 0.001f;

    /// <summary>PGD-k evaluation as the reference papers run it: CE, uniform start, step 2/255 by default.</summary>
    public static PgdConfig Evaluation(float epsilon, int steps = 20, float stepSize = 2f / 255f) => new(epsilon, stepSize, steps);

    /// <summary>Throws a message naming the bad setting.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0) || !(StepSize >= 0) || Steps < 0)
        {
            throw new ArgumentException($"Invalid PGD settings: eps {Epsilon}, step {StepSize}, steps {Steps} (all must be non-negative).");
        }
    }
}
