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
        var merge = Tolerance.Scaled(1e-5, "W + s·(B·A): a dot product of rank terms added to W");
        var products = outRows <= 32 && inCols <= 32
            ? Tolerance.Scaled(1e-5, "dot products of at most 32 terms: a few ulps of the sum")
            : Tolerance.Scaled(1e-4, "dot products of up to a few hundred terms, summed in a different order");
        var c = new CaseBuffers();
        int w = c.In(data.Uniform(outRows * inCols)), bm = c.In(data.Uniform(outRows * rank)), am = c.In(data.Uniform(rank * inCols));
        int dw = c.In(data.Uniform(outRows * inCols));
        float s = 1f / rank;
        // Under TF32 (LoraGemm's GEMMs, scale s, inputs in [-1, 1)): the merge sums rank products,
        // dB = s·dW·Aᵀ sums inCols, dA = s·Bᵀ·dW sums outRows.
        Tolerance dBTolerance = products.WithTf32Products(inCols, s), dATolerance = products.WithTf32Products(outRows, s);
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

    /// <summary>The merge's backward rule: a conv weight (K=4, C=3, 3, 3) with k = 3, B (K·k = 12, r·k = 6), A (r·k = 6, C·k = 9).</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        yield return GradientCase.Of("lora", "lora_merge 4x3x3x3 rank 2",
            b => [Uniform(b, new Shape(4, 3, 3, 3), 1), Uniform(b, new Shape(12, 6), 2), Uniform(b, new Shape(6, 9), 3)],
            t => Ops.LoraMerge(t[0], t[1], t[2], 0.5f));
    }
}
