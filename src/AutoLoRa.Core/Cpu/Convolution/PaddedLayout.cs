using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Cpu.Gemm;

namespace AutoLoRa.Core.Cpu.Convolution;

/// <summary>
/// How <see cref="DirectConvolution"/> lays out a zero-padded image so that, for every filter tap,
/// a run of consecutive output pixels reads consecutive floats. Each padded row is split into
/// StrideW phases (columns ≡ 0, 1, … mod stride), each <see cref="PhaseWidth"/> wide: output
/// pixel ow with tap column s reads column ow·stride + s, which is element ow + s / stride of
/// phase s mod stride. With stride 1 this is the plain padded image. Row strides are handled by
/// the origin of each run (row oh·StrideH).
/// </summary>
internal readonly unsafe struct PaddedLayout
{
    public PaddedLayout(in ConvGeometry g)
    {
        G = g;
        Height = g.H + 2 * g.PadH;
        PhaseWidth = (g.W + 2 * g.PadW + g.StrideW - 1) / g.StrideW;
        RowLength = g.StrideW * PhaseWidth;
        ImageSize = (long)g.C * Height * RowLength;
    }

    public ConvGeometry G { get; }

    public int Height { get; }

    public int PhaseWidth { get; }

    /// <summary>Floats per padded row (all phases).</summary>
    public int RowLength { get; }

    public long ImageSize { get; }

    /// <summary>Where tap (c, r, s) reads relative to a run's origin.</summary>
    public int TapOffset(int c, int r, int s) => (int)(c * (long)Height * RowLength) + r * RowLength + s % G.StrideW * PhaseWidth + s / G.StrideW;

    /// <summary>Where the run of output pixels starting at <paramref name="pixel"/> (within one output row) has its origin.</summary>
    public int Origin(int pixel)
    {
        int oh = pixel / G.OutW;
        return oh * G.StrideH * RowLength + (pixel - oh * G.OutW);
    }

    /// <summary>Writes image <paramref name="source"/> (C, H, W) into <paramref name="destination"/> in this layout, zeros around.</summary>
    public void Pad(float* source, float* destination)
    {
        new Span<float>(destination, (int)ImageSize).Clear();
        long planeSize = (long)G.H * G.W;
        for (int c = 0; c < G.C; c++, source += planeSize)
        {
            float* plane = destination + (long)c * Height * RowLength + (long)G.PadH * RowLength;
            for (int h = 0; h < G.H; h++)
            {
                float* src = source + (long)h * G.W;
                float* row = plane + (long)h * RowLength;
                if (G.StrideW == 1)
                {
                    Packing.CopyRun(src, row + G.PadW, G.W);
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
}
