namespace AutoLoRa.Core.Backends;

/// <summary>
/// Multi-head attention's matrices inside a qkv projection's output (N, T, 3·D), as timm splits it:
/// each token's q, k and v blocks in that order, each block <see cref="Heads"/> heads of
/// <see cref="Dh"/> side by side. Head h of sample i is a T×Dh matrix with row stride 3·D, i·T·3·D
/// elements further on, so every per-head product over all samples is one strided-batched GEMM,
/// and nothing is copied out. The output and its gradient are (N, T, D) with head h in columns
/// h·Dh …; the T×T attention matrices of all heads are an (N, H, T, T) scratch.
/// </summary>
internal readonly record struct AttentionHeads(int N, int T, int Heads, int Dh, float Scale)
{
    public int Width => Heads * Dh;

    /// <summary>Elements of the (N, H, T, T) attention-matrix scratch.</summary>
    public int ScoreCount => N * Heads * T * T;

    /// <summary>Head h's Q, K or V (part 0, 1, 2) in a (N, T, 3·D) buffer.</summary>
    public HeadMatrix InQkv(DeviceBuffer buffer, int part, int h) => new(buffer, part * Width + h * Dh, 3 * Width, T);

    /// <summary>Head h's columns of a (N, T, D) buffer.</summary>
    public HeadMatrix InTokens(DeviceBuffer buffer, int h) => new(buffer, h * Dh, Width, T);

    /// <summary>Head h's T×T matrix in the (N, H, T, T) scratch.</summary>
    public HeadMatrix InScores(DeviceBuffer buffer, int h) => new(buffer, h * T * T, T, Heads * T);

    /// <summary>p = softmax(scale·Q·Kᵀ) of every head into the (N, H, T, T) scratch: one GEMM per head, one softmax over all rows.</summary>
    public void Weights(Backend backend, DeviceBuffer qkv, DeviceBuffer p)
    {
        for (int h = 0; h < Heads; h++) Gemm(backend, false, true, T, Dh, Scale, InQkv(qkv, 0, h), InQkv(qkv, 1, h), InScores(p, h));
        backend.Softmax(N * Heads * T, T, p, p);
    }

    /// <summary>o = P·V per head, P the weights <see cref="Weights"/> wrote.</summary>
    public void Output(Backend backend, DeviceBuffer p, DeviceBuffer qkv, DeviceBuffer o)
    {
        for (int h = 0; h < Heads; h++) Gemm(backend, false, false, Dh, T, 1f, InScores(p, h), InQkv(qkv, 2, h), InTokens(o, h));
    }

    /// <summary>
    /// dqkv of o = softmax(scale·Q·Kᵀ)·V per head, P recomputed into scratch: dV = Pᵀ·dO,
    /// dP = dO·Vᵀ, dS = P ⊙ (dP − Σ P ⊙ dP) (in place), dQ = scale·dS·K, dK = scale·dSᵀ·Q, each
    /// written into its block of dqkv, which they cover.
    /// </summary>
    public void Gradient(Backend backend, DeviceBuffer qkv, DeviceBuffer dO, DeviceBuffer dqkv)
    {
        var p = backend.Allocate(ScoreCount);
        var ds = backend.Allocate(ScoreCount);
        try
        {
            Weights(backend, qkv, p);
            for (int h = 0; h < Heads; h++)
            {
                Gemm(backend, true, false, Dh, T, 1f, InScores(p, h), InTokens(dO, h), InQkv(dqkv, 2, h));
                Gemm(backend, false, true, T, Dh, 1f, InTokens(dO, h), InQkv(qkv, 2, h), InScores(ds, h));
            }
            backend.SoftmaxBackward(N * Heads * T, T, p, ds, ds);
            for (int h = 0; h < Heads; h++)
            {
                Gemm(backend, false, false, Dh, T, Scale, InScores(ds, h), InQkv(qkv, 1, h), InQkv(dqkv, 0, h));
                Gemm(backend, true, false, Dh, T, Scale, InScores(ds, h), InQkv(qkv, 0, h), InQkv(dqkv, 1, h));
            }
        }
        finally
        {
            p.Release();
            ds.Release();
        }
    }

    /// <summary>c = alpha·op(a)·op(b) for one head of every sample: op(a) T×inner, c T×cols.</summary>
    public void Gemm(Backend backend, bool transA, bool transB, int cols, int inner, float alpha, HeadMatrix a, HeadMatrix b, HeadMatrix c) =>
        backend.GemmStridedBatched(transA, transB, T, cols, inner, alpha, a.Slice, a.Ld, a.SampleStride, b.Slice, b.Ld, b.SampleStride,
            0f, c.Slice, c.Ld, c.SampleStride, N);
}

/// <summary>One head's matrix inside a larger buffer: first element, row stride, and rows from one sample to the next.</summary>
internal readonly record struct HeadMatrix(DeviceBuffer Buffer, int At, int Ld, int RowsPerSample)
{
    public BufferSlice Slice => new(Buffer, At);

    public long SampleStride => (long)RowsPerSample * Ld;
}
