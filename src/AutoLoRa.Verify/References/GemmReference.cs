namespace AutoLoRa.Verify.References;

/// <summary>The slow, obviously right GEMM the fast ones are checked against (double accumulation).</summary>
public static class GemmReference
{
    /// <summary>Row-major C = alpha·op(A)·op(B) + beta·C over the given strides and offsets; beta 0 ignores C.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    acc += av * bv;
                }
                ref float cij = ref c[i * ldc + j];
                cij = (float)(beta == 0 ? alpha * acc : alpha * acc + beta * (double)cij);
            }
        }
    }

    /// <summary>A tolerance that grows with the depth of the sums (inputs in [-1, 1)).</summary>
    public static float Tolerance(int k) => 1e-5f * (4 + MathF.Sqrt(k));
}
