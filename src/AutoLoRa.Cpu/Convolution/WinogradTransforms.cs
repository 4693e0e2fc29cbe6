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
        // Bᵀ d in two halves, rows 0–2 then rows 3–5, each followed by its rows of (Bᵀ d) B: a
        // half's 18 intermediate vectors stay in registers, where all 36 went through the stack,
        // for the price of loading d twice (from L1).
        InputHalf<UpperRows>(tile, rowStride, v, stride);
        InputHalf<LowerRows>(tile, rowStride, v + 3 * TileSide * stride, stride);
    }

    /// <summary>Three rows of V (<typeparamref name="TRows"/>'s rows of Bᵀ d, then B), the first at <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputHalf<TRows>(float* tile, int rowStride, float* v, long stride) where TRows : struct, IInputRows
    {
        TRows.Column(tile, rowStride, out var a0, out var b0, out var c0);
        TRows.Column(tile + Lanes, rowStride, out var a1, out var b1, out var c1);
        TRows.Column(tile + 2 * Lanes, rowStride, out var a2, out var b2, out var c2);
        TRows.Column(tile + 3 * Lanes, rowStride, out var a3, out var b3, out var c3);
        TRows.Column(tile + 4 * Lanes, rowStride, out var a4, out var b4, out var c4);
        TRows.Column(tile + 5 * Lanes, rowStride, out var a5, out var b5, out var c5);
        StoreRow(a0, a1, a2, a3, a4, a5, v, stride);
        StoreRow(b0, b1, b2, b3, b4, b5, v + TileSide * stride, stride);
        StoreRow(c0, c1, c2, c3, c4, c5, v + 2 * TileSide * stride, stride);
    }

    /// <summary>Three of the six rows of Bᵀ d, computed from one tile column (rows <c>rowStride</c> floats apart).</summary>
    private interface IInputRows
    {
        static abstract void Column(float* column, int rowStride, out Vector512<float> z0, out Vector512<float> z1, out Vector512<float> z2);
    }

    /// <summary>Rows 0–2 of Bᵀ d.</summary>
    private struct UpperRows : IInputRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Column(float* column, int rowStride, out Vector512<float> z0, out Vector512<float> z1, out Vector512<float> z2) =>
            InputUpper(Vector512.Load(column), Vector512.Load(column + rowStride), Vector512.Load(column + 2 * rowStride),
                Vector512.Load(column + 3 * rowStride), Vector512.Load(column + 4 * rowStride), out z0, out z1, out z2);
    }

    /// <summary>Rows 3–5 of Bᵀ d.</summary>
    private struct LowerRows : IInputRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Column(float* column, int rowStride, out Vector512<float> z3, out Vector512<float> z4, out Vector512<float> z5) =>
            InputLower(Vector512.Load(column + rowStride), Vector512.Load(column + 2 * rowStride), Vector512.Load(column + 3 * rowStride),
                Vector512.Load(column + 4 * rowStride), Vector512.Load(column + 5 * rowStride), out z3, out z4, out z5);
    }

    /// <summary>One row of V = (Bᵀ d) B from that row of Bᵀ d, its six products <paramref name="stride"/> floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2,
        Vector512<float> d3, Vector512<float> d4, Vector512<float> d5, float* v, long stride)
    {
        InputUpper(d0, d1, d2, d3, d4, out var z0, out var z1, out var z2);
        StoreThree(z0, z1, z2, v, stride);
        InputLower(d1, d2, d3, d4, d5, out var z3, out var z4, out var z5);
        StoreThree(z3, z4, z5, v + 3 * stride, stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreThree(Vector512<float> z0, Vector512<float> z1, Vector512<float> z2, float* v, long stride)
    {
        Vector512.Store(z0, v);
        Vector512.Store(z1, v + stride);
        Vector512.Store(z2, v + 2 * stride);
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
    /// Y = Aᵀ M A from the 36 products m[ξ·stride .. +16); y receives the 4×4 outputs, row-major,
    /// rows <paramref name="rowStep"/> vectors apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Output(float* m, long stride, Vector512<float>* y, int rowStep)
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
            OutputRows(row[0], row[1], row[2], row[3], row[4], row[5], y + i * rowStep, 1);
        }
    }

    /// <summary>Results 0–2 of Bᵀ applied to one line of six values (the sixth, d5, does not enter them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputUpper(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4,
        out Vector512<float> z0, out Vector512<float> z1, out Vector512<float> z2)
    {
        var four = Vector512.Create(4f);
        // Shared sub-expressions: d4 − 4·d2 and d3 − 4·d1 give results 1 and 2.
        var a = Vector512.FusedMultiplyAdd(-four, d2, d4);
        var b = Vector512.FusedMultiplyAdd(-four, d1, d3);
        z0 = Vector512.FusedMultiplyAdd(four, d0, Vector512.FusedMultiplyAdd(-Vector512.Create(5f), d2, d4));
        z1 = a + b;
        z2 = a - b;
    }

    /// <summary>Results 3–5 of Bᵀ applied to one line of six values (the first, d0, does not enter them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputLower(Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4, Vector512<float> d5,
        out Vector512<float> z3, out Vector512<float> z4, out Vector512<float> z5)
    {
        // Shared sub-expressions: d4 − d2 and 2·(d3 − d1) give results 3 and 4.
        var c = d4 - d2;
        var e = (d3 - d1) * Vector512.Create(2f);
        z3 = c + e;
        z4 = c - e;
        z5 = Vector512.FusedMultiplyAdd(Vector512.Create(4f), d1, Vector512.FusedMultiplyAdd(-Vector512.Create(5f), d3, d5));
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
