using System.Runtime.CompilerServices;
using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The stacked shifted copies S of <see cref="SubPixelDataGradient"/> as a GEMM panel source, packed
/// straight from dy: row t·K + k, column j = (n, a, b) is dy[n, k, a + dr, b + ds] with (dr, ds)
/// the shift of block <c>firstBlock</c> + t, 0 past dy's last row or column. Each plane run reads
/// dy from dr·OutW + ds floats further on, stops where that would leave the plane (the positions
/// past it are all in the last row, or the last column of the row before) and zeroes the last
/// column's positions afterwards, so S is never written out and read back.
/// </summary>
internal readonly unsafe struct ShiftedPanels(float* dy, int channels, int height, int width, int firstBlock) : IPanelSource
{
    public void Pack(int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        int planes = height * width;
        long imageSize = (long)channels * planes;
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            int panelWidth = Math.Min(nr, cols - jr);
            for (int column = 0; column < panelWidth;)
            {
                int j = j0 + jr + column;
                int n = j / planes, q = j - n * planes;
                int length = Math.Min(planes - q, panelWidth - column);
                // The first position of the run in the last column; the rest follow every width floats.
                int lastColumn = width - 1 - q % width;
                float* image = dy + n * imageSize + q;
                float* d = dst + column;
                // Rows p0 .. p0 + kc, a block's run of channels at a time (one shift each).
                for (int p = p0; p < p0 + kc;)
                {
                    int t = p / channels, k = p - t * channels;
                    int rows = Math.Min(channels - k, p0 + kc - p);
                    var (dr, ds) = SubPixelDataGradient.Shift(firstBlock + t);
                    int skip = dr * width + ds;
                    int readable = Math.Clamp(planes - skip - q, 0, length);
                    CopyRows(image + (long)k * planes + skip, planes, d, nr, rows, readable, length, ds == 1 ? lastColumn : length, width);
                    d += (long)rows * nr;
                    p += rows;
                }
                column += length;
            }
            if (panelWidth < nr)
            {
                for (int p = 0; p < kc; p++) new Span<float>(dst + (long)p * nr + panelWidth, nr - panelWidth).Clear();
            }
        }
    }

    /// <summary>
    /// <paramref name="rows"/> panel rows of one shift: <paramref name="readable"/> floats from each
    /// source row, zeros to <paramref name="length"/>, and zeros every <paramref name="width"/> floats
    /// from <paramref name="lastColumn"/>. Its own method so the loop keeps its pointers in registers:
    /// inlined into <see cref="Pack"/> the JIT spilled the destination on every 8-float copy, and Pack
    /// took 472 samples against 426 for the layer's 6-row micro-kernel (layer2.0a, perf on Zen 3).
    /// <para>
    /// A whole 16-float run (the AVX2 panel's width, within a plane of at least 16 positions) is two
    /// vector copies per row with no length loops: with C = 16 rows of A (r18w16-b64's layer2.0a) each
    /// packed row is multiplied by only 32 FMAs, and the general loop's tests were a large part of the
    /// packing (perf on Zen 3: packing 45 % of the sub-pixel GEMMs' samples before, 28–31 % after).
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CopyRows(float* src, int ld, float* dst, int nr, int rows, int readable, int length, int lastColumn, int width)
    {
        if (readable == 16 && length == 16 && Vector256.IsHardwareAccelerated)
        {
            for (int r = 0; r < rows; r++, src += ld, dst += nr)
            {
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + 8), dst + 8);
                for (int i = lastColumn; i < 16; i += width) dst[i] = 0f;
            }
            return;
        }
        for (int r = 0; r < rows; r++, src += ld, dst += nr)
        {
            Packing.CopyRun(src, dst, readable);
            for (int i = readable; i < length; i++) dst[i] = 0f;
            for (int i = lastColumn; i < readable; i += width) dst[i] = 0f;
        }
    }
}
