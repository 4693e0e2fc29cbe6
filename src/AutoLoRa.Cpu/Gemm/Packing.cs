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
/// stored orientation is contiguous along a group, so both are filled by the same two loops:
/// <see cref="PackRuns"/> when a group is a contiguous run of the stored matrix and
/// <see cref="PackStrided"/> when it is not.
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
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            int w = Math.Min(nr, cols - jr);
            // Stored k×n: each row of op(B) is contiguous.
            if (!transB) PackRuns(b + (long)p0 * ldb + j0 + jr, ldb, kc, w, nr, dst);
            // Stored n×k: each column of op(B) is contiguous; read along it, scatter by nr.
            else PackStrided(b + (long)(j0 + jr) * ldb + p0, ldb, kc, w, nr, dst);
        }
    }

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
    /// <paramref name="count"/> to <paramref name="width"/> are zero. Reads each line contiguously and
    /// scatters with stride <paramref name="width"/> (the panel is small and stays in L1, so the
    /// scattered writes are cheap).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackStrided(float* src, int ld, int kc, int count, int width, float* dst)
    {
        for (int i = 0; i < count; i++)
        {
            float* s = src + (long)i * ld;
            float* d = dst + i;
            for (int p = 0; p < kc; p++) d[p * width] = s[p];
        }
        for (int i = count; i < width; i++)
        {
            float* d = dst + i;
            for (int p = 0; p < kc; p++) d[p * width] = 0;
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
