using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
namespace AutoLoRa.Verify.Cases;

/// <summary>Bias add and its backward, the global sum and global average pooling, against the CPU backend.</summary>
public static class ReductionCases
{
    /// <summary>(outer, channels, inner) for NCHW: a tiny one, 70 channels of 7×7 (ResNet's last stage), one-element planes.</summary>
    public static readonly (int Outer, int Channels, int Inner)[] Shapes = [(2, 3, 5), (3, 70, 49), (1, 5, 1), (64, 1, 625)];

    /// <summary>The kernels over one NCHW shape.</summary>
    public static IEnumerable<PrimitiveCase> For(int outer, int channels, int inner, int seed = 2)
    {
        var data = new SeededData(seed + outer * channels * inner);
        int count = outer * channels * inner, planes = outer * channels;
        string shape = $"{outer}×{channels}×{inner}";
        long perChannel = (long)outer * inner;
        var longSum = SummationBound.Reasoned(Tolerance.Scaled(1e-5, "hundreds to thousands of values summed in a different order (tree vs sequential)"),
            perChannel, 1, "grows as M² while the sum of M values in [-1, 1) grows as √M: at M = 40000 it exceeds the sum itself, so the reasoned bound is kept");

        var oneAddition = Tolerance.Scaled(1e-6, "one operation per element (an addition, a division by the plane size): an ulp or two");
        var c = new CaseBuffers();
        int bias = c.In(data.Uniform(channels)), y = c.InOut(data.Uniform(count), oneAddition, "y += bias");
        yield return KernelCase.Create("bias", "add_bias_f32", shape, shape, c, (be, b) => be.AddBias(outer, channels, inner, b[y], b[bias]), count, count);

        c = new CaseBuffers();
        int dy = c.In(data.Uniform(count)), db = c.Out(channels, longSum, "dbias");
        yield return KernelCase.Create("bias", "bias_backward_f32", shape, shape, c, (be, b) => be.BiasBackward(outer, channels, inner, b[dy], b[db]), count, channels);

        c = new CaseBuffers();
        float[] xs = data.Uniform(count);
        int x = c.In(xs), gap = c.Out(planes, PoolMean(xs, planes, inner), "global avg-pool");
        yield return KernelCase.Create("reductions", "global_avg_pool_f32", shape, shape, c,
            (be, b) => be.GlobalAvgPoolForward(outer, channels, inner, b[x], b[gap]), count, planes);

        c = new CaseBuffers();
        int dPooled = c.In(data.Uniform(planes)), dx = c.Out(count, oneAddition, "global avg-pool bwd");
        yield return KernelCase.Create("reductions", "global_avg_pool_backward_f32", shape, shape, c,
            (be, b) => be.GlobalAvgPoolBackward(outer, channels, inner, b[dPooled], b[dx]), planes, count);
    }

    /// <summary>
    /// global_avg_pool_f32 against the CPU backend, derived: the kernel's warp per plane adds ⌈hw/32⌉
    /// values per lane, then a 5-level shuffle tree and the division, d₁ = ⌈hw/32⌉ + 6
    /// (kernels/reduce.cu); the CPU sums blocks of up to 4096 with TensorPrimitives (order not
    /// documented: d ≤ the block length) into a double, rounds to float and scales by the rounded 1/hw,
    /// d₂ = min(hw, 4096) + 3. Σ|terms| = the plane's mean |x|, its largest over these inputs.
    /// </summary>
    private static Tolerance PoolMean(float[] x, int planes, int hw)
    {
        double worst = 0;
        for (int p = 0; p < planes; p++)
        {
            double total = 0;
            for (int j = 0; j < hw; j++) total += Math.Abs(x[p * hw + j]);
            worst = Math.Max(worst, total / hw);
        }
        return SummationBound.BetweenFloat((hw + 31) / 32 + 6, Math.Min(hw, 4096) + 3, worst, $"the mean of hw = {hw} values per plane");
    }

    /// <summary>The sum of n values into one.</summary>
    public static PrimitiveCase Sum(int n, int seed = 3)
    {
        // The tree on the device and the blocked sum on the CPU round differently; the error of a
        // float sum grows with the count, so the bound is wider past what the self-test used (40k).
        var tolerance = SummationBound.Reasoned(n <= 40_001
            ? Tolerance.Scaled(1e-5, "up to 40k values in [-1, 1) summed in different orders")
            : Tolerance.Scaled(1e-3, "200k values summed in different orders: the rounding error grows with the count"),
            n, 1, "grows as n² while the sum grows as √n: past a few thousand values it exceeds the sum itself, so the reasoned bound is kept");
        var c = new CaseBuffers();
        int x = c.In(new SeededData(seed + n).Uniform(n)), sum = c.Out(1, tolerance, "sum");
        return KernelCase.Create("reductions", "sum_f32", $"n={n}", $"{n}", c, (be, b) => be.Sum(n, b[x], b[sum]), n, 1);
    }

    /// <summary>The reductions' backward rules.</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "reduction";
        yield return GradientCase.Of(family, "sum 3x5", b => [Uniform(b, new Shape(3, 5), 1)], t => Ops.Sum(t[0]));
        yield return GradientCase.Of(family, "mean 3x5", b => [Uniform(b, new Shape(3, 5), 1)], t => Ops.Mean(t[0]));
        yield return GradientCase.Of(family, "global_avg_pool 2x3x5x4", b => [Uniform(b, new Shape(2, 3, 5, 4), 1)], t => Ops.GlobalAvgPool(t[0]));
    }
}
