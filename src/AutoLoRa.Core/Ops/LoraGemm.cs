namespace AutoLoRa.Core;

/// <summary>
/// The LoRA merge and its backward on buffers, composed of backend GEMMs — one implementation for
/// every backend. With B (outRows × r) and A (r × inCols), the merge is one copy plus one GEMM
/// with β = 1 and the backward two GEMMs; at r = 8 all three are bound by reading W-sized data
/// once, which is what a hand-fused kernel would also do. <see cref="Ops.LoraMerge"/> is the
/// differentiable tensor op over these; <c>Conv2d.MergeLora</c> folds a branch in place with
/// <see cref="Merge"/>. Each call appears in a profile as "LoraMerge" / "LoraMergeBackward"
/// (what <c>autolora bench overhead</c> reports), not as its GEMMs.
/// </summary>
public static class LoraGemm
{
    /// <summary>
    /// wOut = w + scale · (B @ A) with B (outRows × rank) and A (rank × inCols), where
    /// outRows·inCols equals w's element count (the reshape is free in row-major order). wOut may be w.
    /// </summary>
    public static void Merge(Backend backend, int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a,
        float scale, DeviceBuffer wOut)
    {
        PrimitiveChecks.LoraMerge(outRows, rank, inCols, w, b, a, wOut);
        using var timer = backend.Profile("LoraMerge");
        if (!ReferenceEquals(w, wOut)) backend.Copy(w, wOut, outRows * inCols);
        backend.Gemm(false, false, outRows, inCols, rank, scale, b, rank, a, inCols, 1f, wOut, inCols);
    }

    /// <summary>dA = scale · Bᵀ·dW and dB = scale · dW·Aᵀ, each only when asked for (null otherwise).</summary>
    public static void Backward(Backend backend, int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a,
        float scale, DeviceBuffer? dB, DeviceBuffer? dA)
    {
        PrimitiveChecks.LoraMergeBackward(outRows, rank, inCols, dW, b, a, dB, dA);
        using var timer = backend.Profile("LoraMergeBackward");
        if (dA is not null) backend.Gemm(true, false, rank, inCols, outRows, scale, b, rank, dW, inCols, 0f, dA, inCols);
        if (dB is not null) backend.Gemm(false, true, outRows, rank, inCols, scale, dW, inCols, a, inCols, 0f, dB, rank);
    }
}
