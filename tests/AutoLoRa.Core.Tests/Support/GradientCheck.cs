using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Autograd;

namespace AutoLoRa.Core.Tests.Support;

/// <summary>Test-side wrapper of <see cref="GradientChecker"/>: asserts, and builds seeded leaves.</summary>
public static class GradientCheck
{
    /// <summary>Fails the test with the worst mismatch unless every checked gradient element agrees.</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float rtol = 2e-2f, float atol = 2e-3f)
    {
        Assert.Contains(inputs, t => t.RequiresGrad);
        var result = new GradientChecker { RelativeTolerance = rtol, AbsoluteTolerance = atol }.Check(f, inputs);
        Assert.True(result.ElementsChecked > 0, "No gradient element was checked.");
        Assert.True(result.Passed, result.ToString());
    }

    /// <summary>A leaf tensor that requires a gradient, filled from a seed.</summary>
    public static Tensor Leaf(Backend backend, Shape shape, int seed, float lo = -1f, float hi = 1f)
    {
        var t = Tensor.FromArray(backend, TestData.Uniform(shape.ElementCount, seed, lo, hi), shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>A leaf whose values are distinct and at least <paramref name="gap"/> apart (for max-pool and ReLU, whose gradients jump at ties and at zero).</summary>
    public static Tensor SeparatedLeaf(Backend backend, Shape shape, int seed, float gap = 0.02f)
    {
        int n = shape.ElementCount;
        var rng = new Random(seed);
        var values = Enumerable.Range(0, n).Select(i => (i - n / 2 + 0.5f) * gap).OrderBy(_ => rng.Next()).ToArray();
        var t = Tensor.FromArray(backend, values, shape);
        t.RequiresGrad = true;
        return t;
    }
}
