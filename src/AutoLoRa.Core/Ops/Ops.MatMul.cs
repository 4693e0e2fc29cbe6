namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// Batched matrix product op(a)·op(b) over the last two axes, the leading axes the batch:
    /// a is (…, m, k) or, with <paramref name="transA"/>, (…, k, m); b is (…, k, n) or, with
    /// <paramref name="transB"/>, (…, n, k); the result (…, m, n). a and b have the same leading
    /// axes (no broadcasting). The transposes are read in place by the GEMM, never materialised:
    /// attention's Q·Kᵀ is <c>MatMul(q, k, transB: true)</c>. One strided-batched GEMM forward, one
    /// per gradient backward.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        const string op = "matmul";
        var backend = SameBackend(op, a, b);
        RequireFloat(op, a);
        RequireFloat(op, b);
        var g = MatMulGeometry.Of(op, a, b, transA, transB);
        Span<int> dims = stackalloc int[a.Shape.Rank];
        a.Shape.AsSpan().CopyTo(dims);
        dims[^2] = g.M;
        dims[^1] = g.N;
        var c = Tensor.Empty(backend, new Shape(dims));
        g.Run(backend, 1f, a.Buffer, b.Buffer, c.Buffer);
        return GradMode.Record(c, op, [a, b], new MatMulBackward(g));
    }

    /// <summary>
    /// The sizes of a batched product C = op(A)·op(B) with op(A) m×k, op(B) k×n, and one call of
    /// the strided-batched GEMM for it. Row strides are those of the operands as stored.
    /// </summary>
    internal readonly record struct MatMulGeometry(int Batch, int M, int N, int K, bool TransA, bool TransB)
    {
        public int Lda => TransA ? M : K;

        public int Ldb => TransB ? K : N;

        public static MatMulGeometry Of(string op, Tensor a, Tensor b, bool transA, bool transB)
        {
            int rank = a.Shape.Rank;
            if (rank < 2 || b.Shape.Rank != rank)
            {
                throw new ArgumentException($"{op}: {a.Describe()} and {b.Describe()} must be matrices (…, rows, cols) of the same rank.");
            }
            for (int i = 0; i < rank - 2; i++)
            {
                if (a.Shape[i] != b.Shape[i]) throw new ArgumentException($"{op}: batch axes of {a.Describe()} and {b.Describe()} differ.");
            }
            int m = transA ? a.Shape[rank - 1] : a.Shape[rank - 2], ka = transA ? a.Shape[rank - 2] : a.Shape[rank - 1];
            int kb = transB ? b.Shape[rank - 1] : b.Shape[rank - 2], n = transB ? b.Shape[rank - 2] : b.Shape[rank - 1];
            if (ka != kb)
            {
                throw new ArgumentException($"{op}: inner sizes differ: op(a) of {a.Describe()} has {ka} columns, op(b) of {b.Describe()} {kb} rows (transA={transA}, transB={transB}).");
            }
            return new(a.ElementCount / Math.Max(1, m * ka), m, n, ka, transA, transB);
        }

        /// <summary>C = alpha·op(A)·op(B) for each batch item; every operand packed, so its row stride follows from the geometry.</summary>
        public void Run(Backend backend, float alpha, BufferSlice a, BufferSlice b, BufferSlice c) =>
            backend.GemmStridedBatched(TransA, TransB, M, N, K, alpha, a, Lda, (long)M * K, b, Ldb, (long)K * N, 0f, c, N, (long)M * N, Batch);
    }

    /// <summary>
    /// dA and dB of C = op(A)·op(B), each one GEMM on the stored operands: dop(A) = dC·op(B)ᵀ and
    /// dop(B) = op(A)ᵀ·dC, transposed back when the operand was read transposed. Each product's
    /// geometry is written as (batch, rows, cols, inner, transA, transB) of the stored result.
    /// </summary>
    private readonly struct MatMulBackward(MatMulGeometry g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor a = inputs[0], b = inputs[1];
            var backend = a.Backend;
            if (needs[0])
            {
                var da = Tensor.Empty(backend, a.Shape);
                // A stored m×k: dA = dC(m×n)·op(B)ᵀ. A stored k×m: dA = op(B)(k×n)·dCᵀ.
                if (!g.TransA) new MatMulGeometry(g.Batch, g.M, g.K, g.N, false, !g.TransB).Run(backend, 1f, gy.Buffer, b.Buffer, da.Buffer);
                else new MatMulGeometry(g.Batch, g.K, g.M, g.N, g.TransB, true).Run(backend, 1f, b.Buffer, gy.Buffer, da.Buffer);
                grads[0] = da;
            }
            if (needs[1])
            {
                var db = Tensor.Empty(backend, b.Shape);
                // B stored k×n: dB = op(A)ᵀ(k×m)·dC. B stored n×k: dB = dCᵀ(n×m)·op(A).
                if (!g.TransB) new MatMulGeometry(g.Batch, g.K, g.N, g.M, !g.TransA, false).Run(backend, 1f, a.Buffer, gy.Buffer, db.Buffer);
                else new MatMulGeometry(g.Batch, g.N, g.K, g.M, true, g.TransA).Run(backend, 1f, gy.Buffer, a.Buffer, db.Buffer);
                grads[1] = db;
            }
        }
    }
}
