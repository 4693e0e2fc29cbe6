namespace AutoLoRa.Core.Cpu.Gemm;

/// <summary>Single-precision row-major GEMM on raw host pointers.</summary>
internal static unsafe class Sgemm
{
    /// <summary>
    /// C = alpha · op(A) · op(B) + beta · C, row-major, op(A) m×k, op(B) k×n. With beta = 0, C is
    /// not read. <paramref name="parallel"/> false keeps the call on the calling thread (for
    /// callers that already parallelise, such as convolution over the batch).
    /// </summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool parallel = true)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += av * bv;
                }
                float* cij = c + (long)i * ldc + j;
                *cij = beta == 0 ? alpha * acc : alpha * acc + beta * *cij;
            }
        }
    }
}
