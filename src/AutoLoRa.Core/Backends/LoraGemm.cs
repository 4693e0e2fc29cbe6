namespace AutoLoRa.Core.Backends;

/// <summary>
/// The LoRA merge and its backward written as GEMMs on any backend — how both backends implement
/// the primitive today. With B (outRows × r) and A (r × inCols), the merge is one copy plus one
/// GEMM with β = 1, and the backward two GEMMs; at r = 8 all three are bound by reading W-sized
/// data once, which is what a hand-fused kernel would also do.
/// </summary>
public static class LoraGemm
{
    /// <summary>wOut = w + scale · B·A (wOut may be w).</summary>
    public static void Merge(IBackend backend, int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a, float scale, DeviceBuffer wOut)
    {
        if (!ReferenceEquals(w, wOut)) backend.Copy(w, wOut, outRows * inCols);
        backend.Gemm(false, false, outRows, inCols, rank, scale, b, rank, a, inCols, 1f, wOut, inCols);
    }

    /// <summary>dA = scale · Bᵀ·dW and dB = scale · dW·Aᵀ, each only when asked for.</summary>
    public static void Backward(IBackend backend, int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a, float scale,
        DeviceBuffer? dB, DeviceBuffer? dA)
    {
        if (dA is not null) backend.Gemm(true, false, rank, inCols, outRows, scale, b, rank, dW, inCols, 0f, dA, inCols);
        if (dB is not null) backend.Gemm(false, true, outRows, rank, inCols, scale, dW, inCols, a, inCols, 0f, dB, rank);
    }
}
