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
    /// No head is copied out. The forward is <see cref="Backend.AttentionForward"/>, which reads
    /// each head in place. The backward runs each product as one strided-batched GEMM per head over
    /// the N samples (row stride 3·D, sample stride T·3·D) and writes dq, dk and dv in place into
    /// the gradient of qkv; it recomputes the attention matrix P (N·H·T·T floats of scratch) as
    /// <see cref="Attention"/>'s does, so the tape holds only qkv.
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
        var g = new AttentionHeads(n, t, heads, width3 / (3 * heads), scale);
        var o = Tensor.Empty(qkv.Backend, new Shape(n, t, g.Width));
        qkv.Backend.AttentionForward(n, t, heads, g.Dh, scale, qkv.Buffer, o.Buffer);
        return GradMode.Record(o, op, [qkv], new MultiHeadAttentionBackward(g));
    }

    /// <summary>
    /// Per head, with P recomputed: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − Σ P ⊙ dP) (in place),
    /// dQ = scale·dS·K, dK = scale·dSᵀ·Q, each written into its block of dqkv, which they cover.
    /// </summary>
    private readonly struct MultiHeadAttentionBackward(AttentionHeads g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var qkv = inputs[0];
            var backend = qkv.Backend;
            int t = g.T, dh = g.Dh;
            using var p = Tensor.Empty(backend, new Shape(g.N, g.Heads, t, t));
            g.Weights(backend, qkv.Buffer, p.Buffer);
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
