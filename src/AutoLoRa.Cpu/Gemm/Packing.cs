using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream through:
/// an A micro-panel is kc groups of <c>mr</c> consecutive values (one column of op(A) each), a
/// B micro-panel is kc groups of <c>nr</c> consecutive values (one row of op(B) each). Transposes
/// are resolved here, while the data is copied anyway; rows/columns beyond the matrix are zero,
/// so the kernels never need edge cases in their inner loop.
/// </summary>
internal static unsafe class Packing
{
    /// <summary>
    /// Packs op(A)[i0 .. i0+rows, p0 .. p0+kc) (rows ≤ mr) into one mr-wide micro-panel.
    /// </summary>
    public static void PackA(bool transA, float* a, int lda, int i0, int rows, int p0, int kc, int mr, float* dst)
    {
        if (transA)
        {
            // Stored k×m: each column of op(A) is a contiguous run of the stored row.
            float* src = a + (long)p0 * lda + i0;
            if (rows == mr)
            {
                for (int p = 0; p < kc; p++, src += lda, dst += mr) CopyRun(src, dst, mr);
            }
            else
            {
                for (int p = 0; p < kc; p++, src += lda, dst += mr)
                {
                    int r = 0;
                    for (; r < rows; r++) dst[r] = src[r];
                    for (; r < mr; r++) dst[r] = 0;
                }
            }
            return;
        }

        // Stored m×k: read each row contiguously, scatter with stride mr (the panel is small and
        // stays in L1, so the scattered writes are cheap).
        for (int r = 0; r < rows; r++)
        {
            float* s = a + (long)(i0 + r) * lda + p0;
            float* d = dst + r;
            for (int p = 0; p < kc; p++) d[p * mr] = s[p];
        }
        for (int r = rows; r < mr; r++)
        {
            float* d = dst + r;
            for (int p = 0; p < kc; p++) d[p * mr] = 0;
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+cols) into ceil(cols/nr) consecutive nr-wide micro-panels.
    /// </summary>
    public static void PackB(bool transB, float* b, int ldb, int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            int w = Math.Min(nr, cols - jr);
            if (!transB)
            {
                // Stored k×n: each row of op(B) is contiguous.
                float* src = b + (long)p0 * ldb + j0 + jr;
                float* d = dst;
                if (w == nr)
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr) CopyRun(src, d, nr);
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, d += nr)
                    {
                        int c = 0;
                        for (; c < w; c++) d[c] = src[c];
                        for (; c < nr; c++) d[c] = 0;
                    }
                }
            }
            else
            {
                // Stored n×k: each column of op(B) is contiguous; read along it, scatter by nr.
                for (int c = 0; c < w; c++)
                {
                    float* s = b + (long)(j0 + jr + c) * ldb + p0;
                    float* d = dst + c;
                    for (int p = 0; p < kc; p++) d[p * nr] = s[p];
                }
                for (int c = w; c < nr; c++)
                {
                    float* d = dst + c;
                    for (int p = 0; p < kc; p++) d[p * nr] = 0;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopyRun(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        }
        for (; i < count; i++) dst[i] = src[i];
    }
}
