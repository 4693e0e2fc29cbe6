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
    /// No head is copied out: <see cref="Backend.AttentionForward"/> and
    /// <see cref="Backend.AttentionBackward"/> read each head in place and write dq, dk and dv in
    /// place into the gradient of qkv. The backward recomputes the attention matrix P as
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

    /// <summary>dqkv = <see cref="Backend.AttentionBackward"/>, which recomputes P.</summary>
    private readonly struct MultiHeadAttentionBackward(AttentionHeads g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var qkv = inputs[0];
            var dqkv = Tensor.Empty(qkv.Backend, qkv.Shape);
            qkv.Backend.AttentionBackward(g.N, g.T, g.Heads, g.Dh, g.Scale, qkv.Buffer, gy.Buffer, dqkv.Buffer);
            grads[0] = dqkv;
        }
    }
}
