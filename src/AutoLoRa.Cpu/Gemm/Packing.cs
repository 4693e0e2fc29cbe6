using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream through:
/// an A micro-panel is kc groups of <c>mr</c> consecutive values (one column of op(A) each), a
/// B micro-panel is kc groups of <c>nr</c> consecutive values (one row of op(B) each). Transposes
/// are resolved here, while the data is copied anyway; rows/columns beyond the matrix are zero,
/// so the kernels never need edge cases in their inner loop.
/// </summary>
/// <remarks>
/// A and B panels have the same layout (kc groups of <c>width</c> values) and differ only in which
/// stored orientation is contiguous along a group, so both are filled by the same loops:
/// <see cref="PackRuns"/> (one A panel) and <see cref="PackRows"/> (a whole block of B panels)
/// when a group is a contiguous run of the stored matrix, <see cref="PackStrided"/> when it is not.
/// </remarks>
internal static unsafe class Packing
{
    /// <summary>
    /// Packs op(A)[i0 .. i0+rows, p0 .. p0+kc) (rows ≤ mr) into one mr-wide micro-panel.
    /// </summary>
    public static void PackA(bool transA, float* a, int lda, int i0, int rows, int p0, int kc, int mr, float* dst)
    {
        // Stored k×m: each column of op(A) is a contiguous run of the stored row.
        if (transA) PackRuns(a + (long)p0 * lda + i0, lda, kc, rows, mr, dst);
        // Stored m×k: each row of op(A) is contiguous; read along it, scatter by mr.
        else PackStrided(a + (long)i0 * lda + p0, lda, kc, rows, mr, dst);
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+cols) into ceil(cols/nr) consecutive nr-wide micro-panels.
    /// </summary>
    public static void PackB(bool transB, float* b, int ldb, int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        if (!transB)
        {
            PackRows(b + (long)p0 * ldb + j0, ldb, kc, cols, nr, dst);
            return;
        }
        // Stored n×k: each column of op(B) is contiguous; read along it, scatter by nr.
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            PackStrided(b + (long)(j0 + jr) * ldb + p0, ldb, kc, Math.Min(nr, cols - jr), nr, dst);
        }
    }

    /// <summary>
    /// Packs a stored k×n block (rows of op(B) contiguous) into nr-wide micro-panels, a few source
    /// rows at a time: each row is read front to back and dealt out to every panel, so the source
    /// streams in address order, and each panel receives <see cref="RowsPerPass"/> consecutive groups
    /// (a few whole lines) per visit.
    /// </summary>
    /// <remarks>
    /// Panel by panel (down kc rows, ldb apart, for each nr columns) the reads jump a row's length
    /// every 64 bytes, which the prefetchers and the TLB follow badly: packing B of 128×4096×576 on
    /// Zen 3 (one thread) took 8 % of the multiply that way, 5 % this way (OpenBLAS's copy: 3 %).
    /// </remarks>
    private static void PackRows(float* src, int ld, int kc, int cols, int nr, float* dst)
    {
        int full = cols / nr * nr;
        long panel = (long)kc * nr;
        for (int p0 = 0; p0 < kc; p0 += RowsPerPass)
        {
            int rows = Math.Min(RowsPerPass, kc - p0);
            float* s = src + (long)p0 * ld;
            float* d = dst + (long)p0 * nr;
            for (int jr = 0; jr < full; jr += nr, d += panel)
            {
                for (int r = 0; r < rows; r++) CopyRun(s + (long)r * ld + jr, d + r * nr, nr);
            }
            if (full == cols) continue;
            for (int r = 0; r < rows; r++, d += nr)
            {
                int i = 0;
                for (; i < cols - full; i++) d[i] = s[(long)r * ld + full + i];
                for (; i < nr; i++) d[i] = 0;
            }
        }
    }

    private const int RowsPerPass = 4;

    /// <summary>
    /// Fills a micro-panel whose groups are contiguous in the source: group p is the
    /// <paramref name="count"/> values at <paramref name="src"/> + p·<paramref name="ld"/>, zero-padded
    /// to <paramref name="width"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackRuns(float* src, int ld, int kc, int count, int width, float* dst)
    {
        if (count == width)
        {
            for (int p = 0; p < kc; p++, src += ld, dst += width) CopyRun(src, dst, width);
            return;
        }
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            int i = 0;
            for (; i < count; i++) dst[i] = src[i];
            for (; i < width; i++) dst[i] = 0;
        }
    }

    /// <summary>
    /// Fills a micro-panel whose groups run across the source: lane i of every group comes from the
    /// contiguous source line at <paramref name="src"/> + i·<paramref name="ld"/>, lanes from
    /// <paramref name="count"/> to <paramref name="width"/> are zero. With SSE, 4 lines × 4 steps at a
    /// time go through <see cref="Transpose4"/> (the last quad of lines overlaps the one before it
    /// when count is not a multiple of 4, rewriting the same values); the steps left over, and every
    /// step on other CPUs, go one float at a time.
    /// </summary>
    /// <remarks>
    /// The one-float loop packed op(A) of a 1024³ GEMM at about 6 cycles a float, 15 % of the whole
    /// multiply on Zen 3 (perf, one thread); the transposes take it under 2 %.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackStrided(float* src, int ld, int kc, int count, int width, float* dst)
    {
        for (int i = count; i < width; i++)
        {
            float* d = dst + i;
            for (int p = 0; p < kc; p++) d[p * width] = 0;
        }

        int done = 0;
        if (Transpose4.IsSupported && count >= 4)
        {
            for (; done + 4 <= kc; done += 4)
            {
                for (int quad = 0; quad < count; quad += 4)
                {
                    int i = Math.Min(quad, count - 4);
                    Transpose4.Copy(src + (long)i * ld + done, ld, dst + (long)done * width + i, width);
                }
            }
        }
        for (int i = 0; i < count; i++)
        {
            float* s = src + (long)i * ld;
            float* d = dst + i;
            for (int p = done; p < kc; p++) d[p * width] = s[p];
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
