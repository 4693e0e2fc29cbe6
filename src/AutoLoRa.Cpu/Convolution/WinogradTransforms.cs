using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The sizes of Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2016): a 6×6 input tile d and a 3×3 filter g give the 4×4 output
/// tile Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, 36 multiplications instead of 144. The transforms themselves are
/// <see cref="WinogradTransforms{TV, TOps}"/>'s.
/// </summary>
internal static class WinogradTransforms
{
    /// <summary>Input tile side (output tile side + filter side − 1).</summary>
    public const int TileSide = 6;

    /// <summary>Output tile side.</summary>
    public const int OutputSide = 4;

    /// <summary>Products per tile: the 6×6 transformed tile.</summary>
    public const int Products = TileSide * TileSide;
}

/// <summary>
/// The three transforms of <see cref="WinogradTransforms"/>. Every value is a vector of channels
/// (<see cref="Lanes"/>: 16 on AVX-512, 8 on AVX2), so one call transforms that many channels' tiles
/// at once; the 36 products (index ξ = 6·row + column) live <c>stride</c> floats apart.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradTransforms<TV, TOps>
    where TV : unmanaged
    where TOps : IVectorOps<TV>
{
    private const int TileSide = WinogradTransforms.TileSide;
    private const int OutputSide = WinogradTransforms.OutputSide;

    /// <summary>Channels per vector.</summary>
    public static int Lanes => Unsafe.SizeOf<TV>() / sizeof(float);

    /// <summary>
    /// V = Bᵀ d B for the 6×6 tile whose rows start <paramref name="rowStride"/> floats apart at
    /// <paramref name="tile"/> (columns <see cref="Lanes"/> floats apart: channel-interleaved),
    /// stored as v[ξ·stride .. +Lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input(float* tile, int rowStride, float* v, long stride)
    {
        // The schedule whose intermediates fit the register file (the width is a JIT-time constant):
        // AVX-512's 32 zmm hold a half's 18, 16 ymm (or xmm) only a pair's 12.
        if (Unsafe.SizeOf<TV>() == 64) InputHalves(tile, rowStride, v, stride);
        else InputPairs(tile, rowStride, v, stride);
    }

    /// <summary>
    /// Bᵀ d in two halves, rows 0–2 then rows 3–5, each followed by its rows of (Bᵀ d) B: a half's 18
    /// intermediate vectors stay in AVX-512's 32 registers, where all 36 went through the stack, for
    /// the price of loading d twice (from L1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputHalves(float* tile, int rowStride, float* v, long stride)
    {
        InputHalf<UpperRows>(tile, rowStride, v, stride);
        InputHalf<LowerRows>(tile, rowStride, v + 3 * TileSide * stride, stride);
    }

    /// <summary>
    /// Bᵀ d in pieces that share their sub-expressions, rows 1–2, rows 3–4, row 0, row 5, each followed
    /// by its rows of (Bᵀ d) B: a pair's 12 intermediate vectors and the row transform's temporaries
    /// nearly fit AVX2's 16 registers, for the price of loading d's rows 14 times per column instead of
    /// the halves' 10 (from L1); the same arithmetic per result. In the JIT's code for 8 lanes, 8 stack
    /// loads and stores of vectors per call where the halves took 44; Zen 3, one core, 128 calls
    /// (a 16-channel 32×32 image's tiles) in cache, best of 3000 alternating: 5.6–6.0 → 5.0–5.3 µs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputPairs(float* tile, int rowStride, float* v, long stride)
    {
        InputPair<RowsOneTwo>(tile, rowStride, v, stride);
        InputPair<RowsThreeFour>(tile, rowStride, v, stride);
        InputOuterRow(tile, rowStride, v, stride);
        InputOuterRow(tile + rowStride, rowStride, v + 5 * TileSide * stride, stride);
    }

    /// <summary>Three rows of V (<typeparamref name="TRows"/>'s rows of Bᵀ d, then B), the first at <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputHalf<TRows>(float* tile, int rowStride, float* v, long stride) where TRows : struct, IInputRows
    {
        int lanes = Lanes;
        TRows.Column(tile, rowStride, out var a0, out var b0, out var c0);
        TRows.Column(tile + lanes, rowStride, out var a1, out var b1, out var c1);
        TRows.Column(tile + 2 * lanes, rowStride, out var a2, out var b2, out var c2);
        TRows.Column(tile + 3 * lanes, rowStride, out var a3, out var b3, out var c3);
        TRows.Column(tile + 4 * lanes, rowStride, out var a4, out var b4, out var c4);
        TRows.Column(tile + 5 * lanes, rowStride, out var a5, out var b5, out var c5);
        StoreRow(a0, a1, a2, a3, a4, a5, v, stride);
        StoreRow(b0, b1, b2, b3, b4, b5, v + TileSide * stride, stride);
        StoreRow(c0, c1, c2, c3, c4, c5, v + 2 * TileSide * stride, stride);
    }

    /// <summary>Two rows of V (<typeparamref name="TPair"/>'s rows of Bᵀ d, then B), stored at their places from <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputPair<TPair>(float* tile, int rowStride, float* v, long stride) where TPair : struct, IInputPair
    {
        int lanes = Lanes;
        PairColumn<TPair>(tile, rowStride, out var a0, out var b0);
        PairColumn<TPair>(tile + lanes, rowStride, out var a1, out var b1);
        PairColumn<TPair>(tile + 2 * lanes, rowStride, out var a2, out var b2);
        PairColumn<TPair>(tile + 3 * lanes, rowStride, out var a3, out var b3);
        PairColumn<TPair>(tile + 4 * lanes, rowStride, out var a4, out var b4);
        PairColumn<TPair>(tile + 5 * lanes, rowStride, out var a5, out var b5);
        StoreRow(a0, a1, a2, a3, a4, a5, v + TPair.First * TileSide * stride, stride);
        StoreRow(b0, b1, b2, b3, b4, b5, v + TPair.Second * TileSide * stride, stride);
    }

    /// <summary><typeparamref name="TPair"/>'s two rows of Bᵀ d in one tile column: its formula on the column's rows 1–4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairColumn<TPair>(float* column, int rowStride, out TV first, out TV second) where TPair : struct, IInputPair =>
        TPair.Rows(TOps.Load(column + rowStride), TOps.Load(column + 2 * rowStride), TOps.Load(column + 3 * rowStride),
            TOps.Load(column + 4 * rowStride), out first, out second);

    /// <summary>
    /// Row 0 of V from the tile's rows at <paramref name="tile"/> (or row 5 from those one row further):
    /// 4·d0 − 5·d2 + d4 of each column, then B, stored from <paramref name="v"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputOuterRow(float* tile, int rowStride, float* v, long stride)
    {
        int lanes = Lanes;
        StoreRow(OuterColumn(tile, rowStride), OuterColumn(tile + lanes, rowStride), OuterColumn(tile + 2 * lanes, rowStride),
            OuterColumn(tile + 3 * lanes, rowStride), OuterColumn(tile + 4 * lanes, rowStride), OuterColumn(tile + 5 * lanes, rowStride),
            v, stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV OuterColumn(float* column, int rowStride) =>
        InputOuter(TOps.Load(column), TOps.Load(column + 2 * rowStride), TOps.Load(column + 4 * rowStride));

    /// <summary>Three of the six rows of Bᵀ d, computed from one tile column (rows <c>rowStride</c> floats apart).</summary>
    private interface IInputRows
    {
        static abstract void Column(float* column, int rowStride, out TV z0, out TV z1, out TV z2);
    }

    /// <summary>Rows 0–2 of Bᵀ d.</summary>
    private struct UpperRows : IInputRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Column(float* column, int rowStride, out TV z0, out TV z1, out TV z2) =>
            InputUpper(TOps.Load(column), TOps.Load(column + rowStride), TOps.Load(column + 2 * rowStride),
                TOps.Load(column + 3 * rowStride), TOps.Load(column + 4 * rowStride), out z0, out z1, out z2);
    }

    /// <summary>Rows 3–5 of Bᵀ d.</summary>
    private struct LowerRows : IInputRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Column(float* column, int rowStride, out TV z3, out TV z4, out TV z5) =>
            InputLower(TOps.Load(column + rowStride), TOps.Load(column + 2 * rowStride), TOps.Load(column + 3 * rowStride),
                TOps.Load(column + 4 * rowStride), TOps.Load(column + 5 * rowStride), out z3, out z4, out z5);
    }

    /// <summary>Two of the six rows of Bᵀ d (<see cref="First"/> and <see cref="Second"/>), from rows 1–4 of a tile column.</summary>
    private interface IInputPair
    {
        static abstract int First { get; }

        static abstract int Second { get; }

        static abstract void Rows(TV d1, TV d2, TV d3, TV d4, out TV first, out TV second);
    }

    /// <summary>Rows 1–2 of Bᵀ d.</summary>
    private struct RowsOneTwo : IInputPair
    {
        public static int First => 1;

        public static int Second => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Rows(TV d1, TV d2, TV d3, TV d4, out TV z1, out TV z2) => InputOneTwo(d1, d2, d3, d4, out z1, out z2);
    }

    /// <summary>Rows 3–4 of Bᵀ d.</summary>
    private struct RowsThreeFour : IInputPair
    {
        public static int First => 3;

        public static int Second => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Rows(TV d1, TV d2, TV d3, TV d4, out TV z3, out TV z4) => InputThreeFour(d1, d2, d3, d4, out z3, out z4);
    }

    /// <summary>One row of V = (Bᵀ d) B from that row of Bᵀ d, its six products <paramref name="stride"/> floats apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, float* v, long stride)
    {
        InputUpper(d0, d1, d2, d3, d4, out var z0, out var z1, out var z2);
        StoreThree(z0, z1, z2, v, stride);
        InputLower(d1, d2, d3, d4, d5, out var z3, out var z4, out var z5);
        StoreThree(z3, z4, z5, v + 3 * stride, stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreThree(TV z0, TV z1, TV z2, float* v, long stride)
    {
        TOps.Store(z0, v);
        TOps.Store(z1, v + stride);
        TOps.Store(z2, v + 2 * stride);
    }

    /// <summary>
    /// U = G g Gᵀ for a filter given as nine vectors (tap 3·r + s), stored as u[ξ·stride .. +Lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Filter(TV* g, float* u, long stride)
    {
        var columns = stackalloc TV[TileSide * 3];
        var transformed = stackalloc TV[TileSide];
        for (int s = 0; s < 3; s++) FilterRows(g[s], g[3 + s], g[6 + s], columns + s, 3);
        for (int i = 0; i < TileSide; i++)
        {
            TV* row = columns + i * 3;
            FilterRows(row[0], row[1], row[2], transformed, 1);
            for (int j = 0; j < TileSide; j++) TOps.Store(transformed[j], u + (i * TileSide + j) * stride);
        }
    }

    /// <summary>
    /// Y = Aᵀ M A (+ the vector at <paramref name="bias"/> unless null) from the 36 products
    /// m[ξ·stride .. +Lanes); y receives the 4×4 outputs, row-major, rows <paramref name="rowStep"/> vectors apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Output(float* m, long stride, float* bias, TV* y, int rowStep)
    {
        // Output rows 0–1, then 2–3 (as the input transform's halves): a half's 12 intermediate
        // vectors stay in registers, where all 24 went through the stack, for the price of loading
        // M's rows 1–4 twice (from L1).
        OutputHalf<UpperOutputs>(m, stride, bias, y, rowStep);
        OutputHalf<LowerOutputs>(m, stride, bias, y + 2 * rowStep, rowStep);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputHalf<TRows>(float* m, long stride, float* bias, TV* y, int rowStep) where TRows : struct, IOutputRows
    {
        long step = TileSide * stride;
        TRows.Column(m, step, out var a0, out var b0);
        TRows.Column(m + stride, step, out var a1, out var b1);
        if (bias != null)
        {
            // Row 1 of A is all ones: what column 1 of Aᵀ M gains, every output gains. Two adds per
            // half where adding the bias to the 16 outputs took a pass of loads and stores over them.
            var b = TOps.Load(bias);
            a1 = TOps.Add(a1, b);
            b1 = TOps.Add(b1, b);
        }
        TRows.Column(m + 2 * stride, step, out var a2, out var b2);
        TRows.Column(m + 3 * stride, step, out var a3, out var b3);
        TRows.Column(m + 4 * stride, step, out var a4, out var b4);
        TRows.Column(m + 5 * stride, step, out var a5, out var b5);
        OutputRows(a0, a1, a2, a3, a4, a5, y, 1);
        OutputRows(b0, b1, b2, b3, b4, b5, y + rowStep, 1);
    }

    /// <summary>Two of the four rows of Aᵀ M, from one column of M (rows <c>step</c> floats apart).</summary>
    private interface IOutputRows
    {
        static abstract void Column(float* column, long step, out TV z0, out TV z1);
    }

    /// <summary>Rows 0–1 of Aᵀ M (m5 does not enter them).</summary>
    private struct UpperOutputs : IOutputRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Column(float* column, long step, out TV z0, out TV z1)
        {
            var m1 = TOps.Load(column + step);
            var m2 = TOps.Load(column + 2 * step);
            var m3 = TOps.Load(column + 3 * step);
            var m4 = TOps.Load(column + 4 * step);
            z0 = TOps.Add(TOps.Add(TOps.Load(column), TOps.Add(m1, m2)), TOps.Add(m3, m4));
            z1 = TOps.MultiplyAdd(TOps.Broadcast(2f), TOps.Subtract(m3, m4), TOps.Subtract(m1, m2));
        }
    }

    /// <summary>Rows 2–3 of Aᵀ M (m0 does not enter them).</summary>
    private struct LowerOutputs : IOutputRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Column(float* column, long step, out TV z2, out TV z3)
        {
            var m1 = TOps.Load(column + step);
            var m2 = TOps.Load(column + 2 * step);
            var m3 = TOps.Load(column + 3 * step);
            var m4 = TOps.Load(column + 4 * step);
            z2 = TOps.MultiplyAdd(TOps.Broadcast(4f), TOps.Add(m3, m4), TOps.Add(m1, m2));
            z3 = TOps.Add(TOps.MultiplyAdd(TOps.Broadcast(8f), TOps.Subtract(m3, m4), TOps.Subtract(m1, m2)), TOps.Load(column + 5 * step));
        }
    }

    /// <summary>Results 0–2 of Bᵀ applied to one line of six values (the sixth, d5, does not enter them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputUpper(TV d0, TV d1, TV d2, TV d3, TV d4, out TV z0, out TV z1, out TV z2)
    {
        z0 = InputOuter(d0, d2, d4);
        InputOneTwo(d1, d2, d3, d4, out z1, out z2);
    }

    /// <summary>Results 3–5 of Bᵀ applied to one line of six values (the first, d0, does not enter them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputLower(TV d1, TV d2, TV d3, TV d4, TV d5, out TV z3, out TV z4, out TV z5)
    {
        InputThreeFour(d1, d2, d3, d4, out z3, out z4);
        z5 = InputOuter(d1, d3, d5);
    }

    /// <summary>4·a − 5·b + c: result 0 of Bᵀ applied to a line from (d0, d2, d4), result 5 from (d1, d3, d5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV InputOuter(TV a, TV b, TV c) =>
        TOps.MultiplyAdd(TOps.Broadcast(4f), a, TOps.MultiplyAdd(TOps.Broadcast(-5f), b, c));

    /// <summary>Results 1 and 2 of Bᵀ applied to a line, from their shared sub-expressions d4 − 4·d2 and d3 − 4·d1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputOneTwo(TV d1, TV d2, TV d3, TV d4, out TV z1, out TV z2)
    {
        var minusFour = TOps.Broadcast(-4f);
        var a = TOps.MultiplyAdd(minusFour, d2, d4);
        var b = TOps.MultiplyAdd(minusFour, d1, d3);
        z1 = TOps.Add(a, b);
        z2 = TOps.Subtract(a, b);
    }

    /// <summary>Results 3 and 4 of Bᵀ applied to a line, from their shared sub-expressions d4 − d2 and 2·(d3 − d1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputThreeFour(TV d1, TV d2, TV d3, TV d4, out TV z3, out TV z4)
    {
        // 2·x as x + x (the same value): one broadcast constant fewer held in a register.
        var c = TOps.Subtract(d4, d2);
        var odd = TOps.Subtract(d3, d1);
        var e = TOps.Add(odd, odd);
        z3 = TOps.Add(c, e);
        z4 = TOps.Subtract(c, e);
    }

    /// <summary>G applied to one line of three taps; six results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRows(TV g0, TV g1, TV g2, TV* z, int step)
    {
        var sixth = TOps.Broadcast(1f / 6f);
        // −(g0 + g2)/6, exactly the negation of (g0 + g2)/6: results 1 and 2 are −(even + odd) and odd − even.
        var minusEven = TOps.Multiply(TOps.Add(g0, g2), TOps.Broadcast(-1f / 6f));
        var odd = TOps.Multiply(g1, sixth);
        var outer = TOps.MultiplyAdd(g0, TOps.Broadcast(1f / 24f), TOps.Multiply(g2, sixth));
        var halfOdd = TOps.Multiply(g1, TOps.Broadcast(1f / 12f));
        z[0] = TOps.Multiply(g0, TOps.Broadcast(0.25f));
        z[step] = TOps.Subtract(minusEven, odd);
        z[2 * step] = TOps.Add(odd, minusEven);
        z[3 * step] = TOps.Add(outer, halfOdd);
        z[4 * step] = TOps.Subtract(outer, halfOdd);
        z[5 * step] = g2;
    }

    /// <summary>Aᵀ applied to one line of six products; four results written <paramref name="step"/> vectors apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRows(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, TV* y, int step)
    {
        var sum12 = TOps.Add(m1, m2);
        var diff12 = TOps.Subtract(m1, m2);
        var sum34 = TOps.Add(m3, m4);
        var diff34 = TOps.Subtract(m3, m4);
        y[0] = TOps.Add(TOps.Add(m0, sum12), sum34);
        y[step] = TOps.MultiplyAdd(TOps.Broadcast(2f), diff34, diff12);
        y[2 * step] = TOps.MultiplyAdd(TOps.Broadcast(4f), sum34, sum12);
        y[3 * step] = TOps.Add(TOps.MultiplyAdd(TOps.Broadcast(8f), diff34, diff12), m5);
    }
}
