using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// In-register transpose of an 8×8 block of floats held as 8 ymm rows: <see cref="Transpose16"/>'s
/// role for AVX2's 8-lane channel vectors. Three shuffle stages, 24 shuffles for 64 values.
/// </summary>
internal unsafe struct Transpose8 : IChannelTranspose<Vector256<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy<TSink>(float* source, long sourceStride, TSink sink) where TSink : struct, IRowSink<Vector256<float>>
    {
        // 1 and 2 as in Transpose16: 128-bit half h of quad q's vector j holds column 4h + j of rows 4q..4q+3.
        Quad(source, sourceStride, out var a0, out var a1, out var a2, out var a3);
        Quad(source + 4 * sourceStride, sourceStride, out var b0, out var b1, out var b2, out var b3);
        // 3: output row 4h + j joins half h of a_j (rows 0–3) and of b_j (rows 4–7).
        Halves(a0, b0, sink, 0);
        Halves(a1, b1, sink, 1);
        Halves(a2, b2, sink, 2);
        Halves(a3, b3, sink, 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(float* rows, long stride,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3)
    {
        var r0 = Vector256.Load(rows);
        var r1 = Vector256.Load(rows + stride);
        var r2 = Vector256.Load(rows + 2 * stride);
        var r3 = Vector256.Load(rows + 3 * stride);
        var t0 = Avx.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx.UnpackHigh(r2, r3).AsDouble();
        o0 = Avx.UnpackLow(t0, t2).AsSingle();
        o1 = Avx.UnpackHigh(t0, t2).AsSingle();
        o2 = Avx.UnpackLow(t1, t3).AsSingle();
        o3 = Avx.UnpackHigh(t1, t3).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Halves<TSink>(Vector256<float> a, Vector256<float> b, TSink sink, int j) where TSink : struct, IRowSink<Vector256<float>>
    {
        sink.Row(j, Avx.Permute2x128(a, b, 0x20));
        sink.Row(4 + j, Avx.Permute2x128(a, b, 0x31));
    }
}
