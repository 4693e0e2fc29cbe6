using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// The GEMM micro-kernel: an Mr × Nr tile of C in registers (<see cref="RegisterTile{TV, TOps, THeight}"/>),
/// Mr = <typeparamref name="THeight"/>'s rows and Nr two vectors. <see cref="Sgemm"/> runs three
/// instantiations: 8×32 on AVX-512 (16 zmm accumulators, two B vectors and one broadcast live: 19 of 32
/// registers, enough independent FMA chains to hide the latency on every AVX-512 core we know), 6×16 on
/// AVX2 (15 of 16 ymm registers) and 4×8 on 128-bit vectors everywhere else; and 4×16 on AVX2 for the
/// last micro-panel of the 6×16 kernel's packing when it holds at most 4 rows.
/// </summary>
internal static unsafe class MicroKernel<TV, TOps, THeight>
    where TV : struct
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
{
    public static int Mr => THeight.Rows;

    public static int Nr => RegisterTile<TV, TOps, THeight>.Columns;

    public static bool IsSupported => TOps.IsSupported;

    /// <summary>
    /// C[0..Mr, 0..Nr) = alpha · Apanel · Bpanel + beta · C over kc packed steps; C is not read when
    /// beta is 0. <paramref name="a"/> holds kc groups of Mr values, <paramref name="b"/> kc groups of Nr.
    /// </summary>
    // Not inlined: in a caller's frame (Sgemm's blocked loop) the tile would compete with its locals for registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Kernel(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta) =>
        Multiply(kc, a, Mr, b, c, ldc, alpha, beta);

    /// <summary>
    /// <see cref="Kernel"/> on the first Mr rows of an A panel packed <paramref name="aStep"/> wide
    /// (≥ Mr): a short tile run on the last micro-panel of a wider kernel's packing, so rows past m are
    /// not multiplied.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void KernelOnWiderPanel(int kc, float* a, int aStep, float* b, float* c, int ldc, float alpha, float beta) =>
        Multiply(kc, a, aStep, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(int kc, float* a, int aStep, float* b, float* c, int ldc, float alpha, float beta)
    {
        var tile = default(RegisterTile<TV, TOps, THeight>);
        int half = Nr / 2;
        for (int p = 0; p < kc; p++, a += aStep, b += Nr)
        {
            tile.Add(new BroadcastRun<TV, TOps>(a), TOps.Load(b), TOps.Load(b + half));
        }

        if (beta == 0) tile.Write(new Scale<TV, TOps>(TOps.Broadcast(alpha)), c, c + half, ldc);
        else tile.Write(new ScaleAndBlend<TV, TOps>(TOps.Broadcast(alpha), TOps.Broadcast(beta)), c, c + half, ldc);
    }
}
