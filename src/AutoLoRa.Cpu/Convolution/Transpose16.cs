using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// In-register transpose of a 16×16 block of floats held as 16 zmm rows — how
/// <see cref="WinogradConvolution"/> turns planar (NCHW) data into channel vectors and back
/// without a scalar gather. Four shuffle stages, 64 shuffles for 256 values. AVX-512 only: its
/// callers run where <see cref="WinogradConvolution.IsSupported"/>.
/// </summary>
[SkipLocalsInit]
internal static unsafe class Transpose16
{
    /// <summary>rows[i][j] ↔ rows[j][i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InPlace(Vector512<float>* rows)
    {
        // 1: interleave row pairs' floats within each 128-bit block.
        var t = stackalloc Vector512<float>[16];
        for (int i = 0; i < 16; i += 2)
        {
            t[i] = Avx512F.UnpackLow(rows[i], rows[i + 1]);
            t[i + 1] = Avx512F.UnpackHigh(rows[i], rows[i + 1]);
        }
        // 2: interleave pairs of pairs: block b of u[4q + j] now holds column 4b + j of rows 4q..4q+3.
        for (int q = 0; q < 16; q += 4)
        {
            var (a, b, c, d) = (t[q].AsDouble(), t[q + 1].AsDouble(), t[q + 2].AsDouble(), t[q + 3].AsDouble());
            rows[q] = Avx512F.UnpackLow(a, c).AsSingle();
            rows[q + 1] = Avx512F.UnpackHigh(a, c).AsSingle();
            rows[q + 2] = Avx512F.UnpackLow(b, d).AsSingle();
            rows[q + 3] = Avx512F.UnpackHigh(b, d).AsSingle();
        }
        // 3 and 4: gather block b of u[j], u[4 + j], u[8 + j], u[12 + j] into output row 4b + j.
        for (int j = 0; j < 4; j++)
        {
            var low0 = Avx512F.Shuffle4x128(rows[j], rows[4 + j], 0x44);
            var high0 = Avx512F.Shuffle4x128(rows[j], rows[4 + j], 0xEE);
            var low1 = Avx512F.Shuffle4x128(rows[8 + j], rows[12 + j], 0x44);
            var high1 = Avx512F.Shuffle4x128(rows[8 + j], rows[12 + j], 0xEE);
            t[j] = Avx512F.Shuffle4x128(low0, low1, 0x88);
            t[4 + j] = Avx512F.Shuffle4x128(low0, low1, 0xDD);
            t[8 + j] = Avx512F.Shuffle4x128(high0, high1, 0x88);
            t[12 + j] = Avx512F.Shuffle4x128(high0, high1, 0xDD);
        }
        for (int i = 0; i < 16; i++) rows[i] = t[i];
    }
}
