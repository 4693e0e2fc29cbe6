using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The LoRA merge W' = W + s·B·A and its backward (dB = s·dW·Aᵀ, dA = s·Bᵀ·dW), as the op composes
/// them from the backend's GEMMs (<see cref="LoraGemm"/>), against the same composition on the CPU backend.
/// </summary>
public static class LoraCases
{
    /// <summary>(Cout·k) × (r·k) times (r·k) × (Cin·k) for k = 3: conv 8←3 at rank 2; a rank-1 linear; a wide conv.</summary>
    public static readonly (int OutRows, int Rank, int InCols)[] Shapes = [(24, 6, 27), (24, 8, 27), (10, 1, 64), (96, 24, 288)];

    /// <summary>The merge, then the backward with both gradients and with each alone.</summary>
    public static PrimitiveCase For(int outRows, int rank, int inCols, int seed = 13)
    {
        var data = new SeededData(seed + outRows * rank * inCols);
        float[] wv = data.Uniform(outRows * inCols), bv = data.Uniform(outRows * rank), av = data.Uniform(rank * inCols), dwv = data.Uniform(outRows * inCols);
        float s = 1f / rank;
        var c = new CaseBuffers();
        int w = c.In(wv), bm = c.In(bv), am = c.In(av), dw = c.In(dwv);
        // LoraGemm's three GEMMs against the same GEMMs on the CPU backend, each bound derived from its
        // depth and these inputs; under TF32 (scale s, inputs in [-1, 1)) the merge sums rank
        // products, dB = s·dW·Aᵀ sums inCols, dA = s·Bᵀ·dW sums outRows.
        var (merge, dBBound, dABound) = LoraBounds(outRows, rank, inCols, s, wv, bv, av, dwv,
            (depth, sum, what) => SummationBound.BetweenFloat(depth, depth, sum, what));
        Tolerance dBTolerance = dBBound.WithTf32Products(inCols, s), dATolerance = dABound.WithTf32Products(outRows, s);
        int merged = c.Out(outRows * inCols, merge.WithTf32Products(rank, s), "merged W");
        int dB = c.Out(outRows * rank, dBTolerance, "dB"), dA = c.Out(rank * inCols, dATolerance, "dA");
        int dBOnly = c.Out(outRows * rank, dBTolerance, "dB alone"), dAOnly = c.Out(rank * inCols, dATolerance, "dA alone");
        string shape = $"{outRows}×{rank}×{inCols}";
        return new()
        {
            Family = "lora merge fwd/bwd", Name = $"lora merge {shape}", Shape = shape, Buffers = c,
            Run = (be, b) =>
            {
                LoraGemm.Merge(be, outRows, rank, inCols, b[w], b[bm], b[am], s, b[merged]);
                LoraGemm.Backward(be, outRows, rank, inCols, b[dw], b[bm], b[am], s, b[dB], b[dA]);
                LoraGemm.Backward(be, outRows, rank, inCols, b[dw], b[bm], b[am], s, b[dBOnly], null);
                LoraGemm.Backward(be, outRows, rank, inCols, b[dw], b[bm], b[am], s, null, b[dAOnly]);
            },
            Cost = CaseCost.Library(4L * outRows * inCols, 2L * 3 * outRows * rank * inCols),
        };
    }

    /// <summary>
    /// The derived bounds of LoraGemm's merge W + s·B·A (depth rank + 2: β = 1 adds W), dB = s·dW·Aᵀ
    /// (inCols + 1) and dA = s·Bᵀ·dW (outRows + 1), each from the largest Σ|terms| of these inputs;
    /// <paramref name="bound"/> turns a depth, that sum and a description into a tolerance.
    /// </summary>
    internal static (Tolerance Merge, Tolerance DB, Tolerance DA) LoraBounds(int outRows, int rank, int inCols, float s,
        float[] w, float[] b, float[] a, float[] dW, Func<long, double, string, Tolerance> bound) =>
        (bound(SummationBound.GemmDepth(rank, withBeta: true),
                SummationBound.GemmMagnitude(false, false, outRows, inCols, rank, s, b, rank, a, inCols, 1f, w, inCols), $"W + s·Σ of rank = {rank} products"),
         bound(SummationBound.GemmDepth(inCols, withBeta: false),
                SummationBound.GemmMagnitude(false, true, outRows, rank, inCols, s, dW, inCols, a, inCols, 0f, new float[outRows * rank], rank),
                $"dB: s·Σ of inCols = {inCols} products"),
         bound(SummationBound.GemmDepth(outRows, withBeta: false),
                SummationBound.GemmMagnitude(true, false, rank, inCols, outRows, s, b, rank, dW, inCols, 0f, new float[rank * inCols], inCols),
                $"dA: s·Σ of outRows = {outRows} products"));

    /// <summary>The merge's backward rule: a conv weight (K=4, C=3, 3, 3) with k = 3, B (K·k = 12, r·k = 6), A (r·k = 6, C·k = 9).</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        yield return GradientCase.Of("lora", "lora_merge 4x3x3x3 rank 2",
            b => [Uniform(b, new Shape(4, 3, 3, 3), 1), Uniform(b, new Shape(12, 6), 2), Uniform(b, new Shape(6, 9), 3)],
            t => Ops.LoraMerge(t[0], t[1], t[2], 0.5f));
    }
}
