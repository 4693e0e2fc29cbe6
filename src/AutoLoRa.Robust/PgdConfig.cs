using System.Text.Json.Serialization;

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

    /// <summary>x + 0.001·N(0, 1) (TRADES and the AutoLoRa low-resolution reference).</summary>
    SmallGaussian,

    /// <summary>x itself (the AutoLoRa reference's validation and test attack, <c>random_start=False</c>).</summary>
    None,
}

/// <summary>
/// An L∞ PGD attack: ε-ball radius, step size, number of steps, objective and start. Training
/// settings hold one with the reference's training attack (8/255, 2/255, 10 for 32×32 colour data);
/// each trainer picks the objective and start its method prescribes.
/// </summary>
/// <remarks>
/// The objective and start are left out of JSON while they are the defaults: training settings
/// never set them, and settings JSON (a reproduction cell's identity) must read as it did when the
/// training attack was a type of its own with only radius, step and steps.
/// </remarks>
public sealed record PgdConfig(
    float Epsilon = 8f / 255f,
    float StepSize = 2f / 255f,
    int Steps = 10,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] PgdObjective Objective = PgdObjective.CrossEntropy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] PgdStart Start = PgdStart.Uniform)
{
    /// <summary>Standard deviation of the small Gaussian start.</summary>
    public const float SmallGaussianStd = 0.001f;

    /// <summary>The step of PGD-k evaluation unless one is given: 2/255, the reference papers' (at ε = 8/255).</summary>
    public const float EvaluationStep = 2f / 255f;

    /// <summary>PGD-k evaluation as the reference papers run it: CE, uniform start, step <see cref="EvaluationStep"/> by default.</summary>
    public static PgdConfig Evaluation(float epsilon, int steps = 20, float stepSize = EvaluationStep) => new(epsilon, stepSize, steps);

    /// <summary>The training attack at radius <paramref name="epsilon"/>: step ε/4 (the reference's 2/255 at 8/255), 10 steps.</summary>
    public static PgdConfig Training(float epsilon) => new(epsilon, epsilon / 4);

    /// <summary>This attack (radius, step, steps) maximising <paramref name="objective"/> from <paramref name="start"/>.</summary>
    public PgdConfig With(PgdObjective objective, PgdStart start) => this with { Objective = objective, Start = start };

    /// <summary>Throws a message naming the bad setting.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0) || !(StepSize >= 0) || Steps < 0)
        {
            throw new ArgumentException($"Invalid PGD settings: eps {Epsilon}, step {StepSize}, steps {Steps} (all must be non-negative).");
        }
    }
}
