namespace AutoLoRa.Cuda.Runtime;

/// <summary>cublasSgemm_v2 and cublasSgemmStridedBatched, column-major, with cuBLAS's argument checks.</summary>
public sealed unsafe partial class EmulatedRuntime
{
    /// <inheritdoc/>
    public void Sgemm(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc)
    {
        CheckGemm("cublasSgemm_v2", transA, transB, m, n, k, lda, ldb, ldc);
        Gemm(transA, transB, m, n, k, alpha, (float*)a, lda, (float*)b, ldb, beta, (float*)c, ldc);
    }

    /// <inheritdoc/>
    public void SgemmStridedBatched(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, float beta, ulong c, int ldc, long strideC, int batch)
    {
        CheckGemm("cublasSgemmStridedBatched", transA, transB, m, n, k, lda, ldb, ldc);
        if (batch < 0) throw InvalidValue("cublasSgemmStridedBatched", $"batchCount {batch} < 0");
        for (int i = 0; i < batch; i++)
        {
            Gemm(transA, transB, m, n, k, alpha, (float*)a + i * strideA, lda, (float*)b + i * strideB, ldb, beta,
                (float*)c + i * strideC, ldc);
        }
    }

    /// <summary>Element (row, col) of a column-major matrix with leading dimension ld, after op, as the multiply sees it.</summary>
    private float At(float* p, BlasOp op, int ld, int row, int col) =>
        Operand(op == BlasOp.N ? p[row + (long)col * ld] : p[col + (long)row * ld]);

    private void Gemm(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                double sum = 0;
                if (alpha != 0)
                {
                    for (int p = 0; p < k; p++) sum += (double)At(a, transA, lda, i, p) * At(b, transB, ldb, p, j);
                }
                float* cij = c + i + (long)j * ldc;
                // beta = 0: C is write-only (NaN in C must not leak), as cuBLAS documents.
                *cij = beta == 0 ? alpha * (float)sum : alpha * (float)sum + beta * *cij;
            }
        }
    }

    private static void CheckGemm(string call, BlasOp transA, BlasOp transB, int m, int n, int k, int lda, int ldb, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw InvalidValue(call, $"m={m} n={n} k={k}");
        int aRows = transA == BlasOp.N ? m : k;
        int bRows = transB == BlasOp.N ? k : n;
        if (lda < Math.Max(1, aRows)) throw InvalidValue(call, $"lda={lda} < max(1, {aRows})");
        if (ldb < Math.Max(1, bRows)) throw InvalidValue(call, $"ldb={ldb} < max(1, {bRows})");
        if (ldc < Math.Max(1, m)) throw InvalidValue(call, $"ldc={ldc} < max(1, {m})");
    }

    private static CudaException InvalidValue(string call, string detail) =>
        new("cublas", call, Interop.CuBlasStatus.InvalidValue, "CUBLAS_STATUS_INVALID_VALUE", detail);
}
