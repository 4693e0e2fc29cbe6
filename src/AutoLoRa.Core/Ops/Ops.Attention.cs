namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// Scaled dot-product attention as one op: softmax(scale·Q·Kᵀ)·V over the last two axes, the
    /// leading axes (batch, heads) shared. q is (…, Tq, D), k (…, Tk, D), v (…, Tk, Dv); the result
    /// (…, Tq, Dv). <paramref name="scale"/> is usually 1/√D.
    /// <para>
    /// Forward: two strided-batched GEMMs and a row softmax, the scale folded into the first GEMM's
    /// alpha. The attention matrix P (batch·Tq·Tk floats) is scratch, freed before the op returns.
    /// </para>
    /// <para>
    /// Backward <b>recomputes</b> P from Q and K (one GEMM and one softmax more) instead of storing
    /// it: the tape then holds nothing beyond the op's inputs, where storing P would keep
    /// batch·heads·Tq·Tk floats per layer alive from forward to backward (ViT-Ti/4 on 32×32, batch
    /// 64: 64·3·65²·4 B = 3.2 MB a layer, 39 MB for 12 layers; ViT-S/16 at 224, batch 8:
    /// 8·6·197²·4 B = 7.5 MB a layer). The backward needs two such matrices of scratch at a time
    /// (P, and dP turned into dS in place), released when it returns.
    /// </para>
    /// </summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, float scale)
    {
        const string op = "attention";
        var backend = SameBackend(op, q, k, v);
        var scores = MatMulGeometry.Of(op, q, k, transA: false, transB: true);
        // Kᵀ·V's geometry checks v against k (same leading axes, Tk rows) and gives Dv.
        var kv = MatMulGeometry.Of(op, k, v, transA: true, transB: false);
        var output = new MatMulGeometry(scores.Batch, scores.M, kv.N, scores.N, false, false);
        Span<int> dims = stackalloc int[q.Shape.Rank];
        q.Shape.AsSpan().CopyTo(dims);
        dims[^1] = output.N;
        var o = Tensor.Empty(backend, new Shape(dims));
        using (var p = AttentionWeights(backend, scores, scale, q, k)) output.Run(backend, 1f, p.Buffer, v.Buffer, o.Buffer);
        return GradMode.Record(o, op, [q, k, v], new AttentionBackward(scores, output, scale));
    }

    /// <summary>P = softmax(scale·Q·Kᵀ) per row, (batch, Tq, Tk); the softmax runs in place on the scores.</summary>
    private static Tensor AttentionWeights(Backend backend, MatMulGeometry scores, float scale, Tensor q, Tensor k)
    {
        var p = Tensor.Empty(backend, new Shape(scores.Batch, scores.M, scores.N));
        scores.Run(backend, scale, q.Buffer, k.Buffer, p.Buffer);
        backend.Softmax(scores.Batch * scores.M, scores.N, p.Buffer, p.Buffer);
        return p;
    }

    /// <summary>
    /// With P recomputed: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − Σ P ⊙ dP) (softmax backward, in
    /// place on dP), dQ = scale·dS·K, dK = scale·dSᵀ·Q; inputs (q, k, v).
    /// </summary>
    private readonly struct AttentionBackward(MatMulGeometry scores, MatMulGeometry output, float scale) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor q = inputs[0], k = inputs[1], v = inputs[2];
            var backend = q.Backend;
            int batch = scores.Batch, tq = scores.M, tk = scores.N, d = scores.K, dv = output.N;
            using var p = AttentionWeights(backend, scores, scale, q, k);
            if (needs[2])
            {
                var dV = Tensor.Empty(backend, v.Shape);
                new MatMulGeometry(batch, tk, dv, tq, true, false).Run(backend, 1f, p.Buffer, gy.Buffer, dV.Buffer);
                grads[2] = dV;
            }
            if (!needs[0] && !needs[1]) return;
            using var ds = Tensor.Empty(backend, p.Shape);
            new MatMulGeometry(batch, tq, tk, dv, false, true).Run(backend, 1f, gy.Buffer, v.Buffer, ds.Buffer);
            backend.SoftmaxBackward(batch * tq, tk, p.Buffer, ds.Buffer, ds.Buffer);
            if (needs[0])
            {
                var dQ = Tensor.Empty(backend, q.Shape);
                new MatMulGeometry(batch, tq, d, tk, false, false).Run(backend, scale, ds.Buffer, k.Buffer, dQ.Buffer);
                grads[0] = dQ;
            }
            if (needs[1])
            {
                var dK = Tensor.Empty(backend, k.Shape);
                new MatMulGeometry(batch, tk, d, tq, true, false).Run(backend, scale, ds.Buffer, q.Buffer, dK.Buffer);
                grads[1] = dK;
            }
        }
    }
}
