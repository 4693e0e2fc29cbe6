using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// In-register transpose of a 16×16 block of floats held as 16 zmm rows — how
/// <see cref="WinogradConvolution"/> (at AVX-512's 16 lanes) and <see cref="BlockedCopies"/> turn
/// planar (NCHW) data into channel vectors and back without a scalar gather. Four shuffle stages,
/// 64 shuffles for 256 values. AVX-512 only: its callers run where <see cref="Vector512Ops.IsSupported"/>.
/// </summary>
[SkipLocalsInit]
internal unsafe struct Transpose16 : IChannelTranspose<Vector512<float>>
{
    /// <summary>rows[i][j] ↔ rows[j][i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InPlace(Vector512<float>* rows) => Copy((float*)rows, Lanes, (float*)rows, Lanes);

    /// <summary>
    /// destination[j·destinationStride + i] = source[i·sourceStride + j] for i, j &lt; 16 (may be
    /// the same block: every row is loaded before the first is stored). Written out as
    /// straight-line code on locals: with loops over a scratch array the JIT kept every stage in
    /// memory, 128 more loads and stores per call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* source, long sourceStride, float* destination, long destinationStride) =>
        Copy(source, sourceStride, new StridedRows<Vector512<float>, Vector512Ops>(destination, destinationStride));

    /// <summary>The transposed rows of the block at <paramref name="source"/>, handed to <paramref name="sink"/> as they are made.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy<TSink>(float* source, long sourceStride, TSink sink) where TSink : struct, IRowSink<Vector512<float>>
    {
        // 1: interleave row pairs' floats within each 128-bit block; 2: interleave pairs of pairs,
        // so block b of quad q's vector j holds column 4b + j of rows 4q..4q+3.
        Quad(source, sourceStride, out var a0, out var a1, out var a2, out var a3);
        Quad(source + 4 * sourceStride, sourceStride, out var b0, out var b1, out var b2, out var b3);
        Quad(source + 8 * sourceStride, sourceStride, out var c0, out var c1, out var c2, out var c3);
        Quad(source + 12 * sourceStride, sourceStride, out var d0, out var d1, out var d2, out var d3);
        // 3 and 4: gather block b of a_j, b_j, c_j, d_j into output row 4b + j.
        Blocks(a0, b0, c0, d0, sink, 0);
        Blocks(a1, b1, c1, d1, sink, 1);
        Blocks(a2, b2, c2, d2, sink, 2);
        Blocks(a3, b3, c3, d3, sink, 3);
    }

    private const int Lanes = 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(float* rows, long stride,
        out Vector512<float> o0, out Vector512<float> o1, out Vector512<float> o2, out Vector512<float> o3)
    {
        var r0 = Vector512.Load(rows);
        var r1 = Vector512.Load(rows + stride);
        var r2 = Vector512.Load(rows + 2 * stride);
        var r3 = Vector512.Load(rows + 3 * stride);
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        o0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        o1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        o2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        o3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blocks<TSink>(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, TSink sink, int j)
        where TSink : struct, IRowSink<Vector512<float>>
    {
        var low0 = Avx512F.Shuffle4x128(a, b, 0x44);
        var high0 = Avx512F.Shuffle4x128(a, b, 0xEE);
        var low1 = Avx512F.Shuffle4x128(c, d, 0x44);
        var high1 = Avx512F.Shuffle4x128(c, d, 0xEE);
        sink.Row(j, Avx512F.Shuffle4x128(low0, low1, 0x88));
        sink.Row(4 + j, Avx512F.Shuffle4x128(low0, low1, 0xDD));
        sink.Row(8 + j, Avx512F.Shuffle4x128(high0, high1, 0x88));
        sink.Row(12 + j, Avx512F.Shuffle4x128(high0, high1, 0xDD));
    }
}
