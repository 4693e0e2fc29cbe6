using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Gemm;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The column matrix of a run of images (C·R·S rows; column j = output pixel j mod P of image
/// j / P, P = OutH·OutW) as a GEMM panel source: each requested block is packed straight from the
/// images, so the lowered matrix is never written out and read back. Images laid side by side let
/// late layers, whose P is tiny, still give the GEMM a wide B.
/// </summary>
/// <remarks>
/// A panel's nr columns are split once into segments that stay within one output row of one
/// image; for every tap (c, r, s) a segment is then one input row read at stride StrideW, with
/// zeros where the tap falls into the padding.
/// </remarks>
internal readonly unsafe struct Im2ColPanels(ConvGeometry g, float* images) : IPanelSource
{
    private readonly ConvGeometry _g = g;
    private readonly float* _images = images;

    public void Pack(int p0, int kc, int j0, int cols, int nr, float* dst)
    {
        Span<Segment> segments = stackalloc Segment[nr];
        for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
        {
            int width = Math.Min(nr, cols - jr);
            int count = Split(j0 + jr, width, segments);
            PackPanel(p0, kc, segments[..count], width, nr, dst);
        }
    }

    /// <summary>One output-row run of a panel: panel columns [Column, Column + Length).</summary>
    private readonly record struct Segment(int Column, int Length, long Image, int Ih0, int Iw0);

    private int Split(int j, int width, Span<Segment> segments)
    {
        int planes = _g.OutH * _g.OutW;
        long imageSize = (long)_g.C * _g.H * _g.W;
        int count = 0;
        for (int column = 0; column < width;)
        {
            int n = j / planes, q = j - n * planes;
            int oh = q / _g.OutW, ow = q - oh * _g.OutW;
            int length = Math.Min(_g.OutW - ow, width - column);
            segments[count++] = new Segment(column, length, n * imageSize, oh * _g.StrideH - _g.PadH, ow * _g.StrideW - _g.PadW);
            column += length;
            j += length;
        }
        return count;
    }

    private void PackPanel(int p0, int kc, ReadOnlySpan<Segment> segments, int width, int nr, float* dst)
    {
        int plane = _g.H * _g.W;
        // Tap (c, r, s) of row p, advanced incrementally: divisions here would cost more than the copies.
        int c = p0 / (_g.R * _g.S), rs = p0 - c * _g.R * _g.S;
        int r = rs / _g.S, s = rs - r * _g.S;
        for (int p = 0; p < kc; p++, dst += nr)
        {
            float* channel = _images + (long)c * plane;
            foreach (var seg in segments)
            {
                float* d = dst + seg.Column;
                int ih = seg.Ih0 + r;
                if ((uint)ih >= (uint)_g.H)
                {
                    new Span<float>(d, seg.Length).Clear();
                    continue;
                }
                float* row = channel + seg.Image + (long)ih * _g.W;
                if (_g.StrideW == 1) CopyRow(row, seg.Iw0 + s, _g.W, d, seg.Length);
                else GatherRow(row, seg.Iw0 + s, _g.StrideW, _g.W, d, seg.Length);
            }
            if (width < nr) new Span<float>(dst + width, nr - width).Clear();
            if (++s == _g.S)
            {
                s = 0;
                if (++r == _g.R)
                {
                    r = 0;
                    c++;
                }
            }
        }
    }

    /// <summary>d[i] = row[iw0 + i] where that lies inside [0, w), else 0.</summary>
    private static void CopyRow(float* row, int iw0, int w, float* d, int length)
    {
        // Late layers copy runs of 4 or 8: plain loops beat any call or vector set-up there.
        int lo = iw0 < 0 ? Math.Min(-iw0, length) : 0;
        int hi = Math.Max(Math.Min(w - iw0, length), lo);
        int i = 0;
        for (; i < lo; i++) d[i] = 0;
        float* src = row + iw0;
        if (hi - lo >= 16)
        {
            Packing.CopyRun(src + lo, d + lo, hi - lo);
            i = hi;
        }
        for (; i < hi; i++) d[i] = src[i];
        for (; i < length; i++) d[i] = 0;
    }

    /// <summary>d[i] = row[iw0 + i·stride] where that lies inside [0, w), else 0.</summary>
    internal static void GatherRow(float* row, int iw0, int stride, int w, float* d, int length)
    {
        int i = 0, iw = iw0;
        if (stride == 2 && Avx512F.IsSupported)
        {
            // The even floats of whole vectors that lie inside the row, by permutes: a 1×1 stride-2
            // shortcut packs nothing else, one float at a time otherwise.
            for (; i < length && iw < 0; i++, iw += 2) d[i] = 0f;
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; i + 16 <= length && iw + 32 <= w; i += 16, iw += 32)
            {
                Vector512.Store(Avx512F.PermuteVar16x32x2(Vector512.Load(row + iw), evens, Vector512.Load(row + iw + 16)), d + i);
            }
            for (; i + 8 <= length && iw + 16 <= w; i += 8, iw += 16)
            {
                Vector256.Store(Avx512F.PermuteVar16x32(Vector512.Load(row + iw), evens).GetLower(), d + i);
            }
            for (; i + 4 <= length && iw + 8 <= w; i += 4, iw += 8)
            {
                Vector128.Store(Avx2.PermuteVar8x32(Vector256.Load(row + iw), evens.GetLower()).GetLower(), d + i);
            }
        }
        else if (stride == 2 && EvenOdd.IsSupported)
        {
            // AVX2: 8 even floats per shuffle-permute pair (EvenOdd) instead of one float at a time.
            for (; i < length && iw < 0; i++, iw += 2) d[i] = 0f;
            for (; i + 8 <= length && iw + 16 <= w; i += 8, iw += 16)
            {
                Vector256.Store(EvenOdd.Evens(Vector256.Load(row + iw), Vector256.Load(row + iw + 8)), d + i);
            }
        }
        for (; i < length; i++, iw += stride) d[i] = (uint)iw < (uint)w ? row[iw] : 0f;
    }
}
