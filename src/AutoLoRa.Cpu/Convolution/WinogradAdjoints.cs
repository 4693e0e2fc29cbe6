using AutoLoRa.Cpu.Simd;
using static AutoLoRa.Cpu.Convolution.WinogradTransforms;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The adjoints of two <see cref="WinogradTransforms{TV, TOps}"/>, for the filter gradient: the output
/// gradient of a 4×4 tile enters the product domain as A dY Aᵀ (6×6), and a gradient with respect
/// to the transformed filter U = G g Gᵀ returns to the 3×3 filter as Gᵀ dU G. Values are vectors
/// of channels, the 36 products <c>stride</c> floats apart, as in the forward transforms.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradAdjoints<TV, TOps>
    where TV : unmanaged
    where TOps : IVectorOps<TV>
{
    private static int Lanes => WinogradTransforms<TV, TOps>.Lanes;

    /// <summary>
    /// dM = A dY Aᵀ for the 4×4 gradient tile whose rows start <paramref name="rowStride"/> floats
    /// apart at <paramref name="tile"/> (columns one vector apart), stored as dm[ξ·stride .. +Lanes).
    /// The second pass stores its six values straight to dm: through a stack row they cost a
    /// reload, a store and an index multiply each (36 per tile and channel block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutputGradient(float* tile, int rowStride, float* dm, long stride)
    {
        var columns = stackalloc TV[TileSide * OutputSide];
        for (int j = 0; j < OutputSide; j++)
        {
            float* column = tile + j * Lanes;
            OutputGradientRows(TOps.Load(column), TOps.Load(column + rowStride), TOps.Load(column + 2 * rowStride), TOps.Load(column + 3 * rowStride),
                out columns[j], out columns[OutputSide + j], out columns[2 * OutputSide + j],
                out columns[3 * OutputSide + j], out columns[4 * OutputSide + j], out columns[5 * OutputSide + j]);
        }
        long s2 = 2 * stride, s3 = 3 * stride, s4 = 4 * stride, s5 = 5 * stride, line = TileSide * stride;
        for (int i = 0; i < TileSide; i++, dm += line)
        {
            TV* source = columns + i * OutputSide;
            OutputGradientRows(source[0], source[1], source[2], source[3], out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
            TOps.Store(z0, dm);
            TOps.Store(z1, dm + stride);
            TOps.Store(z2, dm + s2);
            TOps.Store(z3, dm + s3);
            TOps.Store(z4, dm + s4);
            TOps.Store(z5, dm + s5);
        }
    }

    /// <summary>dg = Gᵀ dU G from du[ξ·stride .. +Lanes); g receives the nine taps (3·r + s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FilterGradient(float* du, long stride, TV* g)
    {
        var rows = stackalloc TV[3 * TileSide];
        for (int j = 0; j < TileSide; j++)
        {
            float* column = du + j * stride;
            long step = TileSide * stride;
            FilterGradientRows(TOps.Load(column), TOps.Load(column + step), TOps.Load(column + 2 * step),
                TOps.Load(column + 3 * step), TOps.Load(column + 4 * step), TOps.Load(column + 5 * step), rows + j, TileSide);
        }
        for (int r = 0; r < 3; r++)
        {
            TV* source = rows + r * TileSide;
            FilterGradientRows(source[0], source[1], source[2], source[3], source[4], source[5], g + 3 * r, 1);
        }
    }

    /// <summary>A applied to one line of four values: the six results.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputGradientRows(TV y0, TV y1, TV y2, TV y3, out TV z0, out TV z1, out TV z2, out TV z3, out TV z4, out TV z5)
    {
        var four = TOps.Broadcast(4f);
        var even = TOps.Add(y0, y2);
        var odd = TOps.Add(y1, y3);
        var evenWide = TOps.MultiplyAdd(four, y2, y0);
        var oddWide = TOps.Multiply(TOps.MultiplyAdd(four, y3, y1), TOps.Broadcast(2f));
        z0 = y0;
        z1 = TOps.Add(even, odd);
        z2 = TOps.Subtract(even, odd);
        z3 = TOps.Add(evenWide, oddWide);
        z4 = TOps.Subtract(evenWide, oddWide);
        z5 = y3;
    }

    /// <summary>Gᵀ applied to one line of six values; three results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterGradientRows(TV z0, TV z1, TV z2, TV z3, TV z4, TV z5, TV* g, int step)
    {
        var sixth = TOps.Broadcast(1f / 6f);
        var sum12 = TOps.Add(z1, z2);
        var sum34 = TOps.Add(z3, z4);
        // −sum12 / 6 as sum12 · (−1/6): the same value, negation being exact.
        g[0] = TOps.MultiplyAdd(z0, TOps.Broadcast(0.25f), TOps.MultiplyAdd(sum34, TOps.Broadcast(1f / 24f), TOps.Multiply(sum12, TOps.Broadcast(-1f / 6f))));
        g[step] = TOps.MultiplyAdd(TOps.Subtract(z3, z4), TOps.Broadcast(1f / 12f), TOps.Multiply(TOps.Subtract(z2, z1), sixth));
        g[2 * step] = TOps.MultiplyAdd(TOps.Subtract(sum34, sum12), sixth, z5);
    }
}
