using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The column matrix of a run of images, as <see cref="Im2ColPanels"/> delivers it, packed instead
/// from their zero-padded, column-phase-split copies (<see cref="PaddedLayout"/>): there every tap
/// of a run of output pixels within one row is a run of consecutive floats, so a strided layer's
/// panels are contiguous copies with no bounds tests, where packing from the images gathers every
/// other float one at a time.
/// </summary>
internal readonly unsafe struct PaddedPanels(PaddedLayout layout, float* padded, int* tapOffsets) : IPanelSource
{
    private readonly PaddedLayout _layout = layout;
    private readonly float* _padded = padded;
    private readonly int* _tapOffsets = tapOffsets;

    public void Pack(int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        var g = _layout.G;
        int planes = g.OutH * g.OutW;
        Span<(int Column, int Length, long Origin)> segments = stackalloc (int, int, long)[nr];
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            int width = Math.Min(nr, cols - jr);
            int count = 0;
            for (int column = 0, j = j0 + jr; column < width;)
            {
                int n = j / planes, q = j - n * planes;
                int length = Math.Min(g.OutW - q % g.OutW, width - column);
                segments[count++] = (column, length, n * _layout.ImageSize + _layout.Origin(q));
                column += length;
                j += length;
            }
            // Segment by segment, each down every row of the block: the run's length is tested once per
            // segment, not per row, and a 4×4 output plane (four 4-float runs per 16-wide panel) packs by
            // one 128-bit copy per run and row, where a row at a time went through the length tests for each run.
            int* taps = _tapOffsets + p0;
            foreach (var (column, length, origin) in segments[..count])
            {
                float* src = _padded + origin;
                float* d = dst + column;
                switch (length)
                {
                    case 4:
                        for (int p = 0; p < kc; p++, d += nr) Vector128.Store(Vector128.Load(src + taps[p]), d);
                        break;
                    case 8:
                        for (int p = 0; p < kc; p++, d += nr) Vector256.Store(Vector256.Load(src + taps[p]), d);
                        break;
                    default:
                        for (int p = 0; p < kc; p++, d += nr) Copy(src + taps[p], d, length);
                        break;
                }
            }
            if (width < nr)
            {
                for (int p = 0; p < kc; p++) new Span<float>(dst + (long)p * nr + width, nr - width).Clear();
            }
        }
    }

    private static void Copy(float* src, float* dst, int length)
    {
        // Late layers copy runs of 4 or 8: one 128- or 256-bit copy there, where a float at a time
        // left the packing of the 512-channel layer's panels a loop of scalar moves.
        if (length >= 16)
        {
            Packing.CopyRun(src, dst, length);
            return;
        }
        int i = 0;
        if (length >= 8)
        {
            Vector256.Store(Vector256.Load(src), dst);
            i = 8;
        }
        if (i + 4 <= length)
        {
            Vector128.Store(Vector128.Load(src + i), dst + i);
            i += 4;
        }
        for (; i < length; i++) dst[i] = src[i];
    }
}
