namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The three transforms of Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016): a 6×6 input tile d and a 3×3 filter g
/// give the 4×4 output tile Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, 36 multiplications instead of 144.
/// Every value is a vector of 16 channels, so one call transforms 16 channels' tiles at once;
/// the 36 products (index ξ = 6·row + column) live <c>stride</c> floats apart.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradTransforms
{
    /// <summary>Input tile side (output tile side + filter side − 1).</summary>
    public const int TileSide = 6;

    /// <summary>Output tile side.</summary>
    public const int OutputSide = 4;

    /// <summary>Products per tile: the 6×6 transformed tile.</summary>
    public const int Products = TileSide * TileSide;

    /// <summary>Channels per vector.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// V = Bᵀ d B for the 6×6 tile whose rows start <paramref name="rowStride"/> floats apart at
    /// <paramref name="tile"/> (columns 16 floats apart: channel-interleaved), stored as
    /// v[ξ·stride .. +16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input(float* tile, int rowStride, float* v, long stride)
    {
        var rows = stackalloc Vector512<float>[Products];
        for (int j = 0; j < TileSide; j++)
        {
            float* column = tile + j * Lanes;
            InputRows(
                Vector512.Load(column), Vector512.Load(column + rowStride), Vector512.Load(column + 2 * rowStride),
                Vector512.Load(column + 3 * rowStride), Vector512.Load(column + 4 * rowStride), Vector512.Load(column + 5 * rowStride),
                rows + j, TileSide);
        }
        var transformed = stackalloc Vector512<float>[Products];
        for (int i = 0; i < TileSide; i++)
        {
            Vector512<float>* row = rows + i * TileSide;
            InputRows(row[0], row[1], row[2], row[3], row[4], row[5], transformed + i * TileSide, 1);
        }
        for (int xi = 0; xi < Products; xi++) Vector512.Store(transformed[xi], v + xi * stride);
    }

    /// <summary>
    /// U = G g Gᵀ for a filter given as nine vectors (tap 3·r + s), stored as u[ξ·stride .. +16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Filter(Vector512<float>* g, float* u, long stride)
    {
        var columns = stackalloc Vector512<float>[TileSide * 3];
        var transformed = stackalloc Vector512<float>[TileSide];
        for (int s = 0; s < 3; s++) FilterRows(g[s], g[3 + s], g[6 + s], columns + s, 3);
        for (int i = 0; i < TileSide; i++)
        {
            Vector512<float>* row = columns + i * 3;
            FilterRows(row[0], row[1], row[2], transformed, 1);
            for (int j = 0; j < TileSide; j++) Vector512.Store(transformed[j], u + (i * TileSide + j) * stride);
        }
    }

    /// <summary>
    /// Y = Aᵀ M A from the 36 products m[ξ·stride .. +16); y receives the 4×4 outputs, row-major.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Output(float* m, long stride, Vector512<float>* y)
    {
        var columns = stackalloc Vector512<float>[OutputSide * TileSide];
        for (int j = 0; j < TileSide; j++)
        {
            float* column = m + j * stride;
            long step = TileSide * stride;
            OutputRows(
                Vector512.Load(column), Vector512.Load(column + step), Vector512.Load(column + 2 * step),
                Vector512.Load(column + 3 * step), Vector512.Load(column + 4 * step), Vector512.Load(column + 5 * step),
                columns + j, TileSide);
        }
        for (int i = 0; i < OutputSide; i++)
        {
            Vector512<float>* row = columns + i * TileSide;
            OutputRows(row[0], row[1], row[2], row[3], row[4], row[5], y + i * OutputSide, 1);
        }
    }

    /// <summary>Bᵀ applied to one line of six values; results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRows(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2,
        Vector512<float> d3, Vector512<float> d4, Vector512<float> d5, Vector512<float>* z, int step)
    {
        var four = Vector512.Create(4f);
        var five = Vector512.Create(5f);
        // Shared sub-expressions: d4 − 4·d2 and d3 − 4·d1 give rows 1 and 2; d4 − d2 and 2·(d3 − d1) rows 3 and 4.
        var a = Vector512.FusedMultiplyAdd(-four, d2, d4);
        var b = Vector512.FusedMultiplyAdd(-four, d1, d3);
        var c = d4 - d2;
        var e = (d3 - d1) * Vector512.Create(2f);
        z[0] = Vector512.FusedMultiplyAdd(four, d0, Vector512.FusedMultiplyAdd(-five, d2, d4));
        z[step] = a + b;
        z[2 * step] = a - b;
        z[3 * step] = c + e;
        z[4 * step] = c - e;
        z[5 * step] = Vector512.FusedMultiplyAdd(four, d1, Vector512.FusedMultiplyAdd(-five, d3, d5));
    }

    /// <summary>G applied to one line of three taps; six results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRows(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float>* z, int step)
    {
        var sixth = Vector512.Create(1f / 6f);
        var even = (g0 + g2) * sixth;
        var odd = g1 * sixth;
        var outer = Vector512.FusedMultiplyAdd(g0, Vector512.Create(1f / 24f), g2 * sixth);
        var halfOdd = g1 * Vector512.Create(1f / 12f);
        z[0] = g0 * Vector512.Create(0.25f);
        z[step] = -(even + odd);
        z[2 * step] = odd - even;
        z[3 * step] = outer + halfOdd;
        z[4 * step] = outer - halfOdd;
        z[5 * step] = g2;
    }

    /// <summary>Aᵀ applied to one line of six products; four results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRows(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2,
        Vector512<float> m3, Vector512<float> m4, Vector512<float> m5, Vector512<float>* y, int step)
    {
        var sum12 = m1 + m2;
        var diff12 = m1 - m2;
        var sum34 = m3 + m4;
        var diff34 = m3 - m4;
        y[0] = m0 + sum12 + sum34;
        y[step] = Vector512.FusedMultiplyAdd(Vector512.Create(2f), diff34, diff12);
        y[2 * step] = Vector512.FusedMultiplyAdd(Vector512.Create(4f), sum34, sum12);
        y[3 * step] = Vector512.FusedMultiplyAdd(Vector512.Create(8f), diff34, diff12) + m5;
    }
}
