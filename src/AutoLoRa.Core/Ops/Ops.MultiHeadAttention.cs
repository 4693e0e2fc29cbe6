using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// Multi-head self-attention read straight from a qkv projection's output, as timm's
    /// <c>Attention</c> splits it: <paramref name="qkv"/> is (N, T, 3·D) with each token's q, k and v
    /// blocks in that order, each block <paramref name="heads"/> heads of Dh = D/H side by side.
    /// The result is (N, T, D), head h in columns h·Dh … (h+1)·Dh − 1: the heads already merged as
    /// the output projection takes them. Per head: softmax(scale·Q·Kᵀ)·V, as <see cref="Attention"/>.
    /// <para>
    /// No head is copied out: each head's Q, K and V are matrices with row stride 3·D inside qkv,
    /// so every product is one strided-batched GEMM per head over the N samples (stride T·3·D), and
    /// the output and the gradient of qkv are written in place the same way. The attention matrix
    /// P (N·H·T·T floats) is scratch; the backward recomputes it, as <see cref="Attention"/>'s
    /// does, so the tape holds only qkv.
    /// </para>
    /// </summary>
    public static Tensor MultiHeadAttention(Tensor qkv, int heads, float scale)
    {
        const string op = "multi_head_attention";
        RequireFloat(op, qkv);
        RequireRank(op, qkv, 3, "(N, T, 3·D)");
        int n = qkv.Shape[0], t = qkv.Shape[1], width3 = qkv.Shape[2];
        if (heads < 1 || width3 % (3 * heads) != 0)
        {
            throw new ArgumentException($"{op}: {qkv.Describe()} does not split into q, k and v of {heads} equal heads each.");
        }
        var g = new HeadGemms(n, t, heads, width3 / (3 * heads), scale);
        var o = Tensor.Empty(qkv.Backend, new Shape(n, t, g.Width));
        using (var p = g.Weights(qkv))
        {
            for (int h = 0; h < heads; h++) g.Gemm(qkv.Backend, false, false, g.Dh, t, 1f, g.InScores(p.Buffer, h), g.InQkv(qkv.Buffer, 2, h), g.InTokens(o.Buffer, h));
        }
        return GradMode.Record(o, op, [qkv], new MultiHeadAttentionBackward(g));
    }

    /// <summary>
    /// Where head h's matrices lie for sample 0 (sample i is i·T rows further): Q, K, V in qkv with
    /// row stride 3·D, its output and output gradient in (N, T, D) with row stride D, and its T×T
    /// attention matrix in the (N, H, T, T) scratch.
    /// </summary>
    private readonly record struct HeadGemms(int N, int T, int Heads, int Dh, float Scale)
    {
        public int Width => Heads * Dh;

        /// <summary>Head h's Q, K or V (part 0, 1, 2) in a (N, T, 3·D) buffer.</summary>
        public Head InQkv(DeviceBuffer buffer, int part, int h) => new(buffer, part * Width + h * Dh, 3 * Width, T);

        /// <summary>Head h's columns of a (N, T, D) buffer.</summary>
        public Head InTokens(DeviceBuffer buffer, int h) => new(buffer, h * Dh, Width, T);

        /// <summary>Head h's T×T matrix in the (N, H, T, T) scratch.</summary>
        public Head InScores(DeviceBuffer buffer, int h) => new(buffer, h * T * T, T, Heads * T);

        /// <summary>P = softmax(scale·Q·Kᵀ) of every head, (N, H, T, T): one GEMM per head, one softmax over all rows.</summary>
        public Tensor Weights(Tensor qkv)
        {
            var p = Tensor.Empty(qkv.Backend, new Shape(N, Heads, T, T));
            for (int h = 0; h < Heads; h++) Gemm(qkv.Backend, false, true, T, Dh, Scale, InQkv(qkv.Buffer, 0, h), InQkv(qkv.Buffer, 1, h), InScores(p.Buffer, h));
            qkv.Backend.Softmax(N * Heads * T, T, p.Buffer, p.Buffer);
            return p;
        }

        /// <summary>c = alpha·op(a)·op(b) for one head of every sample: op(a) T×inner, c T×cols.</summary>
        public void Gemm(Backend backend, bool transA, bool transB, int cols, int inner, float alpha, Head a, Head b, Head c) =>
            backend.GemmStridedBatched(transA, transB, T, cols, inner, alpha, a.Slice, a.Ld, a.SampleStride, b.Slice, b.Ld, b.SampleStride,
                0f, c.Slice, c.Ld, c.SampleStride, N);
    }

    /// <summary>One head's matrix inside a larger buffer: first element, row stride, and the stride from one sample to the next.</summary>
    private readonly record struct Head(DeviceBuffer Buffer, int At, int Ld, int RowsPerSample)
    {
        public BufferSlice Slice => new(Buffer, At);

        public long SampleStride => (long)RowsPerSample * Ld;
    }

    /// <summary>
    /// Per head, with P recomputed: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − Σ P ⊙ dP) (in place),
    /// dQ = scale·dS·K, dK = scale·dSᵀ·Q, each written into its block of dqkv, which they cover.
    /// </summary>
    private readonly struct MultiHeadAttentionBackward(HeadGemms g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var qkv = inputs[0];
            var backend = qkv.Backend;
            int t = g.T, dh = g.Dh;
            using var p = g.Weights(qkv);
            using var ds = Tensor.Empty(backend, p.Shape);
            var dqkv = Tensor.Empty(backend, qkv.Shape);
            for (int h = 0; h < g.Heads; h++)
            {
                var dO = g.InTokens(gy.Buffer, h);
                g.Gemm(backend, true, false, dh, t, 1f, g.InScores(p.Buffer, h), dO, g.InQkv(dqkv.Buffer, 2, h));
                g.Gemm(backend, false, true, t, dh, 1f, dO, g.InQkv(qkv.Buffer, 2, h), g.InScores(ds.Buffer, h));
            }
            backend.SoftmaxBackward(g.N * g.Heads * t, t, p.Buffer, ds.Buffer, ds.Buffer);
            for (int h = 0; h < g.Heads; h++)
            {
                var dS = g.InScores(ds.Buffer, h);
                g.Gemm(backend, false, false, dh, t, g.Scale, dS, g.InQkv(qkv.Buffer, 1, h), g.InQkv(dqkv.Buffer, 0, h));
                g.Gemm(backend, true, false, dh, t, g.Scale, dS, g.InQkv(qkv.Buffer, 0, h), g.InQkv(dqkv.Buffer, 1, h));
            }
            grads[0] = dqkv;
        }
    }
}
