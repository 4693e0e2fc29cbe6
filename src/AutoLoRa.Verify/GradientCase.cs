using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify;

/// <summary>The checked inputs of a <see cref="GradientCase"/> (leaves that require a gradient) and the function of them.</summary>
public readonly record struct GradientProblem(Tensor[] Inputs, Func<Tensor[], Tensor> Function);

/// <summary>
/// An op's backward rule against central finite differences (<see cref="GradientChecker"/>). Cases
/// live in their family's file under <c>Cases/</c>, beside the kernel cases, so a fused primitive's
/// kernel check and its op's gradient check are written in one place; <see cref="VerificationTable.Gradients"/>
/// lists them all and the Core tests run each one.
/// </summary>
public sealed class GradientCase
{
    /// <summary>The kernel family or op group the case belongs to.</summary>
    public required string Family { get; init; }

    /// <summary>Unique in the table, e.g. "add_relu 3x7".</summary>
    public required string Name { get; init; }

    /// <summary>Makes the inputs on a backend, and any constants the function closes over.</summary>
    public required Func<Backend, GradientProblem> Build { get; init; }

    /// <summary>GradientChecker's defaults; a deep composition accumulates more float rounding.</summary>
    public float RelativeTolerance { get; init; } = 2e-2f;

    /// <summary>The gradient checker's absolute tolerance (<see cref="GradientChecker.AbsoluteTolerance"/>).</summary>
    public float AbsoluteTolerance { get; init; } = 2e-3f;

    /// <summary>The finite-difference step (<see cref="GradientChecker.Step"/>).</summary>
    public float Step { get; init; } = 2e-3f;

    /// <summary>Builds the problem on <paramref name="backend"/> and compares the tape's gradients with finite differences.</summary>
    public GradientCheckResult Run(Backend backend)
    {
        var problem = Build(backend);
        var checker = new GradientChecker { RelativeTolerance = RelativeTolerance, AbsoluteTolerance = AbsoluteTolerance, Step = Step };
        return checker.Check(problem.Function, problem.Inputs);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>A case of one function of the given inputs.</summary>
    public static GradientCase Of(string family, string name, Func<Backend, Tensor[]> inputs, Func<Tensor[], Tensor> function) =>
        new() { Family = family, Name = name, Build = backend => new(inputs(backend), function) };
}

/// <summary>Seeded leaf tensors for gradient cases: the same seed gives the same values on every machine.</summary>
public static class GradientLeaves
{
    /// <summary>A leaf that requires a gradient, uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(Backend backend, Shape shape, int seed, float low = -1f, float high = 1f) =>
        Leaf(Tensor.FromArray(backend, new SeededData(seed).Uniform(shape.ElementCount, low, high), shape));

    /// <summary>
    /// A leaf whose values are distinct, at least <paramref name="gap"/> apart and symmetric about zero
    /// without touching it: for max-pool and ReLU, whose gradients jump at ties and at zero.
    /// </summary>
    public static Tensor Separated(Backend backend, Shape shape, int seed, float gap = 0.02f)
    {
        int n = shape.ElementCount;
        var rng = new Random(seed);
        var values = Enumerable.Range(0, n).Select(i => (i - n / 2 + 0.5f) * gap).OrderBy(_ => rng.Next()).ToArray();
        return Leaf(Tensor.FromArray(backend, values, shape));
    }

    private static Tensor Leaf(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }
}
