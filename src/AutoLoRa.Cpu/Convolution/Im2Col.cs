using System.Numerics.Tensors;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Lowering of one image (C, H, W) to the column matrix (C·R·S, OutH·OutW) that turns a
/// convolution into a GEMM, and its adjoint. Row (c, r, s) of the matrix holds, for every output
/// position, the input pixel that filter tap meets there (zero in the padding). Rows are
/// <c>ldCol</c> floats apart, so several images can be laid side by side in one wider matrix
/// (image i at column offset i·OutH·OutW), which is how the filter gradient batches its GEMM.
/// </summary>
/// <remarks>
/// For every (tap, output row) the valid output columns form one contiguous range, computed once;
/// outside it the matrix is zero. With stride 1 the valid part is a contiguous copy of an input
/// row segment (vectorised by the runtime), otherwise a strided gather.
/// </remarks>
internal static unsafe class Im2Col
{
    /// <summary>Writes the column matrix of <paramref name="image"/> (C·H·W floats) into <paramref name="col"/>.</summary>
    public static void Pack(in ConvGeometry g, float* image, float* col, int ldCol)
    {
        int outH = g.OutH, outW = g.OutW;
        for (int c = 0; c < g.C; c++)
        {
            float* plane = image + (long)c * g.H * g.W;
            for (int r = 0; r < g.R; r++)
            {
                for (int s = 0; s < g.S; s++)
                {
                    float* row = col + (long)((c * g.R + r) * g.S + s) * ldCol;
                    ValidColumns(s, g.PadW, g.StrideW, g.W, outW, out int owLo, out int owHi);
                    for (int oh = 0; oh < outH; oh++)
                    {
                        float* dst = row + (long)oh * outW;
                        int ih = oh * g.StrideH - g.PadH + r;
                        if ((uint)ih >= (uint)g.H || owLo >= owHi)
                        {
                            new Span<float>(dst, outW).Clear();
                            continue;
                        }
                        if (owLo > 0) new Span<float>(dst, owLo).Clear();
                        if (owHi < outW) new Span<float>(dst + owHi, outW - owHi).Clear();
                        float* src = plane + (long)ih * g.W + (owLo * g.StrideW - g.PadW + s);
                        if (g.StrideW == 1)
                        {
                            new ReadOnlySpan<float>(src, owHi - owLo).CopyTo(new Span<float>(dst + owLo, owHi - owLo));
                        }
                        else
                        {
                            for (int ow = owLo, iw = 0; ow < owHi; ow++, iw += g.StrideW) dst[ow] = src[iw];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Pack"/>: adds every column-matrix entry into the input pixel it was
    /// read from. Accumulates; the caller clears <paramref name="image"/> first.
    /// </summary>
    public static void Accumulate(in ConvGeometry g, float* col, int ldCol, float* image)
    {
        int outH = g.OutH, outW = g.OutW;
        for (int c = 0; c < g.C; c++)
        {
            float* plane = image + (long)c * g.H * g.W;
            for (int r = 0; r < g.R; r++)
            {
                for (int s = 0; s < g.S; s++)
                {
                    float* row = col + (long)((c * g.R + r) * g.S + s) * ldCol;
                    ValidColumns(s, g.PadW, g.StrideW, g.W, outW, out int owLo, out int owHi);
                    if (owLo >= owHi) continue;
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int ih = oh * g.StrideH - g.PadH + r;
                        if ((uint)ih >= (uint)g.H) continue;
                        float* src = row + (long)oh * outW;
                        float* dst = plane + (long)ih * g.W + (owLo * g.StrideW - g.PadW + s);
                        if (g.StrideW == 1)
                        {
                            var d = new Span<float>(dst, owHi - owLo);
                            TensorPrimitives.Add(d, new ReadOnlySpan<float>(src + owLo, owHi - owLo), d);
                        }
                        else
                        {
                            for (int ow = owLo, iw = 0; ow < owHi; ow++, iw += g.StrideW) dst[iw] += src[ow];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The output columns [lo, hi) at which filter column <paramref name="s"/> lands inside the
    /// input: 0 ≤ ow·stride − pad + s &lt; width.
    /// </summary>
    private static void ValidColumns(int s, int pad, int stride, int width, int outW, out int lo, out int hi)
    {
        int first = pad - s; // smallest ow·stride allowed
        lo = first <= 0 ? 0 : (first + stride - 1) / stride;
        int lastExclusive = width + pad - s; // ow·stride must stay below this
        hi = lastExclusive <= 0 ? 0 : Math.Min(outW, (lastExclusive + stride - 1) / stride);
        if (lo > hi) lo = hi;
    }
}
