using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The primitives a GPU backend hands to vendor libraries or the driver — buffer copies, GEMM
/// (cuBLAS), convolution and batch-norm (cuDNN) — against the CPU backend, on odd sizes with
/// padded leading dimensions and offsets.
/// </summary>
public static class LibraryCases
{
    /// <summary>
    /// A GEMM's or convolution's outputs against the CPU backend: both sides FP32 sums of at most
    /// <paramref name="depth"/> roundings per term in orders we do not know on the vendor's side, so
    /// (γ_d + γ_d)·max Σ|terms| from the case's own inputs.
    /// </summary>
    private static Tolerance Products(long depth, double maxSumOfMagnitudes, string what) =>
        SummationBound.BetweenFloat(depth, depth, maxSumOfMagnitudes, what);

    /// <summary>Upload at an offset, an overlapping copy within one buffer, a fill, and an Int32 upload.</summary>
    public static PrimitiveCase Buffers(int n, int seed = 8)
    {
        var data = new SeededData(seed + n);
        var values = data.Uniform(n, -2, 2);
        var exact = Tolerance.Exact("moving bytes changes none");
        var c = new CaseBuffers();
        int big = c.Out(n + 8, exact, $"upload at 3, copy to {n + 5}"), filled = c.Out(n, exact, "fill");
        c.InOut(data.Labels(n, 1000), "int upload");
        return new()
        {
            Family = "buffers", Name = $"upload, copy, fill n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, b) =>
            {
                be.Upload(values, b[big], 3);
                be.Copy(new BufferSlice(b[big], 3), new BufferSlice(b[big], n + 5), Math.Min(n, 3));
                be.Fill(b[filled], -1.25f);
            },
        };
    }

    /// <summary>C = 0.75·op(A)·op(B) + β·C with padded leading dimensions and offsets, as GEMM sees one image of a batch.</summary>
    public static PrimitiveCase Gemm(bool ta, bool tb, float beta, int m = 67, int n = 45, int k = 33, int seed = 9)
    {
        var data = new SeededData(seed + (ta ? 1 : 0) + (tb ? 2 : 0) + (beta != 0 ? 4 : 0));
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
        var c = new CaseBuffers();
        float[] av = data.Uniform(5 + (ta ? k : m) * lda), bv = data.Uniform(7 + (tb ? n : k) * ldb), cv = data.Uniform(2 + m * ldc);
        var bound = Products(SummationBound.GemmDepth(k, beta != 0),
            SummationBound.GemmMagnitude(ta, tb, m, n, k, 0.75f, av.AsSpan(5), lda, bv.AsSpan(7), ldb, beta, cv.AsSpan(2), ldc),
            $"0.75·Σ of k = {k} products{(beta != 0 ? " + β·C" : "")}");
        int a = c.In(av), b = c.In(bv);
        // Inputs in [-1, 1), α = 0.75: each product at most 0.75.
        int o = c.InOut(cv, bound.WithTf32Products(k, 0.75), "C");
        string shape = $"{m}×{n}×{k}";
        return new()
        {
            Family = "gemm (transposes, ld, offsets)", Name = $"gemm ta={ta} tb={tb} beta={beta} {shape}", Shape = shape, Buffers = c,
            Run = (be, x) => be.Gemm(ta, tb, m, n, k, 0.75f, new BufferSlice(x[a], 5), lda, new BufferSlice(x[b], 7), ldb, beta, new BufferSlice(x[o], 2), ldc),
            Cost = CaseCost.Library((long)m * k + (long)k * n + (beta == 0 ? 1 : 2) * (long)m * n, 2L * m * n * k),
        };
    }

    /// <summary>Three matrices at strides with gaps between them.</summary>
    public static PrimitiveCase GemmBatched(bool ta, bool tb, int seed = 10)
    {
        const int m = 19, n = 21, k = 17, batch = 3;
        var data = new SeededData(seed + (ta ? 1 : 0) + (tb ? 2 : 0));
        long sa = m * k + 4, sb = k * n + 3, sc = m * n + 2;
        var c = new CaseBuffers();
        float[] av = data.Uniform((int)(sa * batch)), bv = data.Uniform((int)(sb * batch)), cv = data.Uniform((int)(sc * batch));
        double magnitude = Enumerable.Range(0, batch).Max(i => SummationBound.GemmMagnitude(ta, tb, m, n, k, 1.25f,
            av.AsSpan((int)(i * sa)), ta ? m : k, bv.AsSpan((int)(i * sb)), tb ? k : n, 0.25f, cv.AsSpan((int)(i * sc)), n));
        var bound = Products(SummationBound.GemmDepth(k, withBeta: true), magnitude, $"1.25·Σ of k = {k} products + 0.25·C");
        int a = c.In(av), b = c.In(bv);
        int o = c.InOut(cv, bound.WithTf32Products(k, 1.25), "C");
        return new()
        {
            Family = "gemm strided batched", Name = $"gemm batched ta={ta} tb={tb}", Shape = $"{batch}×{m}×{n}×{k}", Buffers = c,
            Run = (be, x) => be.GemmStridedBatched(ta, tb, m, n, k, 1.25f, x[a], ta ? m : k, sa, x[b], tb ? k : n, sb, 0.25f, x[o], n, sc, batch),
            Cost = CaseCost.Library(batch * (m * k + k * n + 2L * m * n), 2L * batch * m * n * k),
        };
    }

    /// <summary>Forward (with or without bias), backward-data and backward-filter on one geometry.</summary>
    public static PrimitiveCase Convolution(ConvGeometry g, bool withBias, int seed = 11)
    {
        var data = new SeededData(seed + g.InputSize + (withBias ? 1 : 0));
        var c = new CaseBuffers();
        float[] xv = data.Uniform(g.InputSize), wv = data.Uniform(g.FilterSize), biasv = data.Uniform(g.K), dyv = data.Uniform(g.OutputSize);
        int x = c.In(xv), w = c.In(wv), bias = c.In(biasv), dy = c.In(dyv);
        // Each direction sums its own length: C·R·S products per output (and the bias), at most
        // K·R·S per input gradient, N·OH·OW per filter gradient; under TF32 the bound grows with the
        // same lengths (inputs in [-1, 1)).
        var (forward, gathered, filter) = SummationBound.ConvMagnitudes(g, xv, wv, withBias ? biasv : null, dyv);
        long forwardTerms = g.C * g.R * g.S, dataTerms = g.K * g.R * g.S, filterTerms = (long)g.N * g.OutH * g.OutW;
        int y = c.Out(g.OutputSize, Products(forwardTerms + (withBias ? 1 : 0), forward, $"Σ of C·R·S = {forwardTerms} products{(withBias ? " + bias" : "")}")
            .WithTf32Products(forwardTerms), "y");
        int dx = c.Out(g.InputSize, Products(dataTerms, gathered, $"Σ of at most K·R·S = {dataTerms} products").WithTf32Products(dataTerms), "dx");
        int dw = c.Out(g.FilterSize, Products(filterTerms, filter, $"Σ of N·OH·OW = {filterTerms} products").WithTf32Products(filterTerms), "dw");
        string shape = $"{g.N}×{g.C}×{g.H}×{g.W} k{g.K}×{g.R}×{g.S}/s{g.StrideH}/p{g.PadH}";
        long macs = (long)g.OutputSize * g.C * g.R * g.S;
        return new()
        {
            Family = "conv2d fwd/bwd-data/bwd-filter", Name = $"conv2d {shape}{(withBias ? " +bias" : "")}", Shape = shape, Buffers = c,
            Run = (be, b) =>
            {
                be.Conv2dForward(g, b[x], b[w], withBias ? b[bias] : null, b[y]);
                be.Conv2dBackwardData(g, b[dy], b[w], b[dx]);
                be.Conv2dBackwardFilter(g, b[x], b[dy], b[dw]);
            },
            Cost = CaseCost.Library(3L * (g.InputSize + g.FilterSize + g.OutputSize), 3 * 2 * macs),
        };
    }

    /// <summary>Training forward (with running-statistics update), inference forward and backward.</summary>
    public static PrimitiveCase BatchNorm(int n, int ch, int hw, int seed = 12)
    {
        int count = n * ch * hw;
        var data = new SeededData(seed + count);
        var statistic = Tolerance.Scaled(1e-5, "a mean over the batch: one long sum, then an update with momentum");
        // Not a dot product: the variance, its reciprocal square root and the backward's two channel
        // sums compound, and cuDNN's formulas are not documented; the worst-case γ_M·Σ|x| of the mean
        // alone is given in the Why text, the rest stays a reasoned bound.
        int m = n * hw;
        var statistics = Tolerance.Scaled(1e-4,
            $"sums over M = n·hw = {m} values in [-2, 3) through a variance and 1/√(var + ε), against the CPU backend's order; " +
            $"the worst case of the mean alone, 2γ_{m}·3 = {2 * SummationBound.Gamma(m) * 3:0.0E+0}, is no bound on the rest, so this stays a heuristic");
        var c = new CaseBuffers();
        int x = c.In(data.Uniform(count, -2, 3)), gamma = c.In(data.Uniform(ch, 0.5f, 1.5f)), beta = c.In(data.Uniform(ch, -0.5f, 0.5f));
        int dy = c.In(data.Uniform(count));
        int rm = c.InOut(data.Uniform(ch, -0.1f, 0.1f), statistic, "running mean"), rv = c.InOut(data.Uniform(ch, 0.9f, 1.1f), statistic, "running var");
        int y = c.Out(count, statistics, "y"), mean = c.Out(ch, statistic, "saved mean"), inv = c.Out(ch, statistics, "saved inv std");
        int yi = c.Out(count, Tolerance.Scaled(1e-5, "(x − mean)·γ/√(var + ε) + β per element, with a reciprocal square root"), "y (inference)");
        int dx = c.Out(count, statistics, "dx"), dg = c.Out(ch, statistics, "dgamma"), db = c.Out(ch, statistics, "dbeta");
        string shape = $"{n}×{ch}×{hw}";
        return new()
        {
            Family = "batch-norm train/infer/bwd", Name = $"batchnorm {shape}", Shape = shape, Buffers = c,
            Run = (be, b) =>
            {
                be.BatchNormForwardTraining(n, ch, hw, b[x], b[gamma], b[beta], b[y], b[rm], b[rv], 0.1f, 1e-5f, b[mean], b[inv]);
                be.BatchNormForwardInference(n, ch, hw, b[x], b[gamma], b[beta], b[rm], b[rv], 1e-5f, b[yi]);
                be.BatchNormBackward(n, ch, hw, b[x], b[dy], b[gamma], b[mean], b[inv], b[dx], b[dg], b[db]);
            },
            Cost = CaseCost.Library(8L * count, 0),
        };
    }
}
