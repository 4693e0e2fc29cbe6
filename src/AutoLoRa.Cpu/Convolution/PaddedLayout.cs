using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Gemm;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// How <see cref="DirectConvolution"/> lays out a zero-padded image so that, for every filter tap,
/// a run of consecutive output pixels reads consecutive floats. Each padded row is split into
/// StrideW phases (columns ≡ 0, 1, … mod stride), each <see cref="PhaseWidth"/> wide: output
/// pixel ow with tap column s reads column ow·stride + s, which is element ow + s / stride of
/// phase s mod stride. With stride 1 this is the plain padded image. Row strides are handled by
/// the origin of each run (row oh·StrideH). Channels are planes one after another, or with
/// interleavedRows row h of every channel one after another (row h of channel c at
/// (h·C + c)·RowLength): then the rows a run's taps read, the same few rows of every channel, are
/// one contiguous block (<see cref="FewChannelConvolution"/>).
/// </summary>
internal readonly unsafe struct PaddedLayout
{
    public PaddedLayout(in ConvGeometry g, bool interleavedRows = false)
    {
        G = g;
        Height = g.H + 2 * g.PadH;
        PhaseWidth = (g.W + 2 * g.PadW + g.StrideW - 1) / g.StrideW;
        RowLength = g.StrideW * PhaseWidth;
        ImageSize = (long)g.C * Height * RowLength;
        ChannelStride = interleavedRows ? RowLength : Height * RowLength;
        RowStride = interleavedRows ? g.C * RowLength : RowLength;
    }

    /// <summary>Floats from a row of one channel to the same row of the next.</summary>
    public int ChannelStride { get; }

    /// <summary>Floats from a row of one channel to its next row.</summary>
    public int RowStride { get; }

    public ConvGeometry G { get; }

    public int Height { get; }

    public int PhaseWidth { get; }

    /// <summary>Floats per padded row (all phases).</summary>
    public int RowLength { get; }

    public long ImageSize { get; }

    /// <summary>Where tap (c, r, s) reads relative to a run's origin.</summary>
    public int TapOffset(int c, int r, int s) => (int)(c * (long)ChannelStride) + r * RowStride + s % G.StrideW * PhaseWidth + s / G.StrideW;

    /// <summary>Where the run of output pixels starting at <paramref name="pixel"/> (within one output row) has its origin.</summary>
    public int Origin(int pixel)
    {
        int oh = pixel / G.OutW;
        return oh * G.StrideH * RowStride + (pixel - oh * G.OutW);
    }

    /// <summary>
    /// Writes image <paramref name="source"/> (C, H, W) into <paramref name="destination"/> in this
    /// layout, zeros around; with <paramref name="bordersZero"/> the zeros are already there (the
    /// destination last held an image of this layout) and only the image's own floats are written.
    /// </summary>
    public void Pad(float* source, float* destination, bool bordersZero = false)
    {
        if (!bordersZero) new Span<float>(destination, (int)ImageSize).Clear();
        long planeSize = (long)G.H * G.W;
        for (int c = 0; c < G.C; c++, source += planeSize)
        {
            float* plane = destination + (long)c * ChannelStride + (long)G.PadH * RowStride;
            for (int h = 0; h < G.H; h++)
            {
                float* src = source + (long)h * G.W;
                float* row = plane + (long)h * RowStride;
                if (G.StrideW == 1)
                {
                    Packing.CopyRun(src, row + G.PadW, G.W);
                    continue;
                }
                if (G.StrideW == 2 && (Avx512F.IsSupported || EvenOdd.IsSupported))
                {
                    // Column w + PadW lands in phase (w + PadW) mod 2 at (w + PadW) / 2.
                    float* evens = row + G.PadW % 2 * PhaseWidth + G.PadW / 2;
                    float* odds = row + (1 - G.PadW % 2) * PhaseWidth + (G.PadW + 1) / 2;
                    SplitEvenOdd(src, G.W, evens, odds);
                    continue;
                }
                // Column w + PadW lands in phase (w + PadW) mod stride: walk each phase's columns with a stride, no division per pixel.
                for (int phase = 0; phase < G.StrideW; phase++)
                {
                    int first = ((phase - G.PadW) % G.StrideW + G.StrideW) % G.StrideW;
                    float* dst = row + phase * PhaseWidth + (first + G.PadW) / G.StrideW;
                    for (int w = first; w < G.W; w += G.StrideW) *dst++ = src[w];
                }
            }
        }
    }

    /// <summary>
    /// evens[i] = source[2i], odds[i] = source[2i + 1]: 32 columns per two permutes on AVX-512, 16
    /// per two shuffle-permute pairs on AVX2 (<see cref="EvenOdd"/>: in perf of r18w16-b64's
    /// layer2.0a direct forward on Zen 3, padding fell from 27 % of the kernel's and padding's
    /// samples with the scalar loop to 13 %).
    /// </summary>
    private static void SplitEvenOdd(float* source, int width, float* evens, float* odds)
    {
        int w = 0;
        if (Avx512F.IsSupported)
        {
            var evenIndex = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var oddIndex = evenIndex + Vector512<int>.One;
            for (; w + 32 <= width; w += 32, evens += 16, odds += 16)
            {
                var low = Vector512.Load(source + w);
                var high = Vector512.Load(source + w + 16);
                Vector512.Store(Avx512F.PermuteVar16x32x2(low, evenIndex, high), evens);
                Vector512.Store(Avx512F.PermuteVar16x32x2(low, oddIndex, high), odds);
            }
        }
        else
        {
            for (; w + 16 <= width; w += 16, evens += 8, odds += 8)
            {
                var low = Vector256.Load(source + w);
                var high = Vector256.Load(source + w + 8);
                Vector256.Store(EvenOdd.Evens(low, high), evens);
                Vector256.Store(EvenOdd.Odds(low, high), odds);
            }
        }
        for (; w + 1 < width; w += 2)
        {
            *evens++ = source[w];
            *odds++ = source[w + 1];
        }
        if (w < width) *evens = source[w];
    }
}
