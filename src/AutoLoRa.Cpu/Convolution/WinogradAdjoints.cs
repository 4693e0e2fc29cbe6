using static AutoLoRa.Cpu.Convolution.WinogradTransforms;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The adjoints of two <see cref="WinogradTransforms"/>, for the filter gradient: the output
/// gradient of a 4×4 tile enters the product domain as A dY Aᵀ (6×6), and a gradient with respect
/// to the transformed filter U = G g Gᵀ returns to the 3×3 filter as Gᵀ dU G. Values are vectors
/// of 16 channels, the 36 products <c>stride</c> floats apart, as in the forward transforms.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradAdjoints
{
    private const int Lanes = 16;

    /// <summary>
    /// dM = A dY Aᵀ for the 4×4 gradient tile whose rows start <paramref name="rowStride"/> floats
    /// apart at <paramref name="tile"/> (columns 16 floats apart), stored as dm[ξ·stride .. +16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutputGradient(float* tile, int rowStride, float* dm, long stride)
    {
        var columns = stackalloc Vector512<float>[TileSide * OutputSide];
        for (int j = 0; j < OutputSide; j++)
        {
            float* column = tile + j * Lanes;
            OutputGradientRows(Vector512.Load(column), Vector512.Load(column + rowStride),
                Vector512.Load(column + 2 * rowStride), Vector512.Load(column + 3 * rowStride), columns + j, OutputSide);
        }
        var row = stackalloc Vector512<float>[TileSide];
        for (int i = 0; i < TileSide; i++)
        {
            Vector512<float>* source = columns + i * OutputSide;
            OutputGradientRows(source[0], source[1], source[2], source[3], row, 1);
            for (int j = 0; j < TileSide; j++) Vector512.Store(row[j], dm + (i * TileSide + j) * stride);
        }
    }

    /// <summary>dg = Gᵀ dU G from du[ξ·stride .. +16); g receives the nine taps (3·r + s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FilterGradient(float* du, long stride, Vector512<float>* g)
    {
        var rows = stackalloc Vector512<float>[3 * TileSide];
        for (int j = 0; j < TileSide; j++)
        {
            float* column = du + j * stride;
            long step = TileSide * stride;
            FilterGradientRows(Vector512.Load(column), Vector512.Load(column + step), Vector512.Load(column + 2 * step),
                Vector512.Load(column + 3 * step), Vector512.Load(column + 4 * step), Vector512.Load(column + 5 * step), rows + j, TileSide);
        }
        for (int r = 0; r < 3; r++)
        {
            Vector512<float>* source = rows + r * TileSide;
            FilterGradientRows(source[0], source[1], source[2], source[3], source[4], source[5], g + 3 * r, 1);
        }
    }

    /// <summary>A applied to one line of four values; six results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputGradientRows(Vector512<float> y0, Vector512<float> y1, Vector512<float> y2, Vector512<float> y3, Vector512<float>* z, int step)
    {
        var even = y0 + y2;
        var odd = y1 + y3;
        var evenWide = Vector512.FusedMultiplyAdd(Vector512.Create(4f), y2, y0);
        var oddWide = Vector512.FusedMultiplyAdd(Vector512.Create(4f), y3, y1) * Vector512.Create(2f);
        z[0] = y0;
        z[step] = even + odd;
        z[2 * step] = even - odd;
        z[3 * step] = evenWide + oddWide;
        z[4 * step] = evenWide - oddWide;
        z[5 * step] = y3;
    }

    /// <summary>Gᵀ applied to one line of six values; three results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterGradientRows(Vector512<float> z0, Vector512<float> z1, Vector512<float> z2,
        Vector512<float> z3, Vector512<float> z4, Vector512<float> z5, Vector512<float>* g, int step)
    {
        var sixth = Vector512.Create(1f / 6f);
        var sum12 = z1 + z2;
        var sum34 = z3 + z4;
        g[0] = Vector512.FusedMultiplyAdd(z0, Vector512.Create(0.25f), Vector512.FusedMultiplyAdd(sum34, Vector512.Create(1f / 24f), -sum12 * sixth));
        g[step] = Vector512.FusedMultiplyAdd(z3 - z4, Vector512.Create(1f / 12f), (z2 - z1) * sixth);
        g[2 * step] = Vector512.FusedMultiplyAdd(sum34 - sum12, sixth, z5);
    }
}
