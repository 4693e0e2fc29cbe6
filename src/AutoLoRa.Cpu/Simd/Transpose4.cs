using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Simd;

/// <summary>
/// A 4×4 transpose of floats in SSE registers: four lines of four values in, four groups of four
/// values (one from each line) out. What the packing loops use to turn lines that run across
/// their layout (a row-major A panel, planar channels into channel groups) into groups, where
/// otherwise every float would be moved on its own. Callers check <see cref="IsSupported"/> and
/// fall back to one float at a time.
/// </summary>
internal static unsafe class Transpose4
{
    public static bool IsSupported => Sse.IsSupported;

    /// <summary>dst[q·ldd + r] = src[r·lds + q] for r, q in 0..4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* src, nint lds, float* dst, nint ldd) =>
        Store(Sse.LoadVector128(src), Sse.LoadVector128(src + lds), Sse.LoadVector128(src + 2 * lds), Sse.LoadVector128(src + 3 * lds), dst, ldd);

    /// <summary>dst[q·ldd + r] = lane q of r_r: the columns of the 4×4 block whose rows are r0..r3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> r0, Vector128<float> r1, Vector128<float> r2, Vector128<float> r3, float* dst, nint ldd)
    {
        var low01 = Sse.UnpackLow(r0, r1);   // r0[0] r1[0] r0[1] r1[1]
        var low23 = Sse.UnpackLow(r2, r3);
        var high01 = Sse.UnpackHigh(r0, r1); // r0[2] r1[2] r0[3] r1[3]
        var high23 = Sse.UnpackHigh(r2, r3);
        Sse.Store(dst, Sse.MoveLowToHigh(low01, low23));
        Sse.Store(dst + ldd, Sse.MoveHighToLow(low23, low01));
        Sse.Store(dst + 2 * ldd, Sse.MoveLowToHigh(high01, high23));
        Sse.Store(dst + 3 * ldd, Sse.MoveHighToLow(high23, high01));
    }
}
