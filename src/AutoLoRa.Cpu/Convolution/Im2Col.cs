using System.Numerics.Tensors;

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
    public static void Pack(in ConvGeometry g, float* image, float* col, int ldCol) => Walk<Gather>(g, image, col, ldCol);

    /// <summary>
    /// The adjoint of <see cref="Pack"/>: adds every column-matrix entry into the input pixel it was
    /// read from. Accumulates; the caller clears <paramref name="image"/> first.
    /// </summary>
    public static void Accumulate(in ConvGeometry g, float* col, int ldCol, float* image) => Walk<ScatterAdd>(g, image, col, ldCol);

    /// <summary>
    /// The one walk over the column matrix that <see cref="Pack"/> and its adjoint share: for every
    /// tap (c, r, s) and output row, the segment of valid output columns is paired with the input
    /// pixels it meets, and <typeparamref name="TDirection"/> moves the values one way or the other.
    /// Stamped out per direction (a struct type argument), so the inner loops are the direction's own.
    /// </summary>
    private static void Walk<TDirection>(in ConvGeometry g, float* image, float* col, int ldCol)
        where TDirection : struct, IDirection
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
                    if (owLo >= owHi)
                    {
                        // The tap never lands inside the image: the whole row (OutH·OutW) is padding.
                        TDirection.Padding(row, outH * outW);
                        continue;
                    }
                    for (int oh = 0; oh < outH; oh++)
                    {
                        float* columns = row + (long)oh * outW;
                        int ih = oh * g.StrideH - g.PadH + r;
                        if ((uint)ih >= (uint)g.H)
                        {
                            TDirection.Padding(columns, outW);
                            continue;
                        }
                        float* pixels = plane + (long)ih * g.W + (owLo * g.StrideW - g.PadW + s);
                        TDirection.Segment(columns, pixels, owLo, owHi, outW, g.StrideW);
                    }
                }
            }
        }
    }

    /// <summary>What <see cref="Walk{TDirection}"/> does with each part of the column matrix.</summary>
    private interface IDirection
    {
        /// <summary><paramref name="count"/> column-matrix entries that meet only padding.</summary>
        static abstract void Padding(float* columns, int count);

        /// <summary>
        /// One output row of one tap: columns [lo, hi) meet the input pixels at
        /// <paramref name="pixels"/>, <paramref name="stride"/> apart; the rest of the
        /// <paramref name="outW"/> columns meet padding.
        /// </summary>
        static abstract void Segment(float* columns, float* pixels, int lo, int hi, int outW, int stride);
    }

    /// <summary><see cref="Pack"/>: pixels into columns, zero in the padding.</summary>
    private struct Gather : IDirection
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Padding(float* columns, int count) => new Span<float>(columns, count).Clear();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Segment(float* columns, float* pixels, int lo, int hi, int outW, int stride)
        {
            if (lo > 0) new Span<float>(columns, lo).Clear();
            if (hi < outW) new Span<float>(columns + hi, outW - hi).Clear();
            if (stride == 1)
            {
                new ReadOnlySpan<float>(pixels, hi - lo).CopyTo(new Span<float>(columns + lo, hi - lo));
            }
            else
            {
                for (int ow = lo, iw = 0; ow < hi; ow++, iw += stride) columns[ow] = pixels[iw];
            }
        }
    }

    /// <summary><see cref="Accumulate"/>: columns added into pixels; padding entries are dropped.</summary>
    private struct ScatterAdd : IDirection
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Padding(float* columns, int count) { }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Segment(float* columns, float* pixels, int lo, int hi, int outW, int stride)
        {
            if (stride == 1)
            {
                var d = new Span<float>(pixels, hi - lo);
                TensorPrimitives.Add(d, new ReadOnlySpan<float>(columns + lo, hi - lo), d);
            }
            else
            {
                for (int ow = lo, iw = 0; ow < hi; ow++, iw += stride) pixels[iw] += columns[ow];
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
