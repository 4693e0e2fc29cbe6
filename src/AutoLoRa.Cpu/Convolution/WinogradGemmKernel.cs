using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply stage of <see cref="WinogradConvolution"/> for one product ξ:
/// m[t, k] = Σ_c v[t, c] · u[c, k], <see cref="Tiles"/> tiles × <see cref="Channels"/> output channels
/// per call in one register tile — 8 × 32 on AVX-512 (16 zmm accumulators), 6 × 16 on AVX2 (12 of the
/// 16 ymm registers, two for u and one broadcast, as the AVX2 GEMM's) — or 8 tiles × one vector for a
/// last block of one vector of channels. v rows are read where the input transform left them,
/// broadcast one value at a time; u comes in panels of one vector of channels per input channel
/// (the layout the filter transform writes), so nothing is packed per call.
/// </summary>
internal static unsafe class WinogradGemmKernel<TV, TOps, THeight>
    where TV : struct
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
{
    /// <summary>Tiles (rows of v) per <see cref="Run"/>.</summary>
    public static int Tiles => THeight.Rows;

    /// <summary>Output channels per <see cref="Run"/>: two vectors.</summary>
    public static int Channels => RegisterTile<TV, TOps, THeight>.Columns;

    /// <summary>Tiles per <see cref="RunColumn"/>.</summary>
    public const int ColumnTiles = 8;

    /// <summary>
    /// Whether <see cref="RunColumnTall"/>'s 16 accumulators fit the register file: with 32 registers
    /// (the 8-row tile's) but not with AVX2's 16, where they would spill.
    /// </summary>
    public static bool TallColumns => THeight.Rows == 8;

    /// <summary>
    /// m[t, 0..Channels) for t &lt; <see cref="Tiles"/>: the first vector of channels from panel
    /// <paramref name="u0"/>, the second from <paramref name="u1"/> (one vector per input channel);
    /// rows of v <paramref name="ldv"/>, of m <paramref name="ldm"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int depth, float* v, int ldv, float* u0, float* u1, float* m, int ldm)
    {
        int lanes = Channels / 2;
        // Pointer steps and a native-int stride: the loop then spends no instructions re-deriving row addresses.
        nint ld = ldv;
        float* end = v + depth;
        var tile = default(RegisterTile<TV, TOps, THeight>);
        for (; v < end; v++, u0 += lanes, u1 += lanes)
        {
            tile.Add(new BroadcastColumn<TV, TOps>(v, ld), TOps.Load(u0), TOps.Load(u1));
        }
        tile.Write(new Overwrite<TV, TOps>(), m, m + lanes, ldm);
    }

    /// <summary>As <see cref="Run"/> for 8 tiles and one vector of output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunColumn(int depth, float* v, int ldv, float* u, float* m, int ldm)
    {
        int lanes = Channels / 2;
        nint ld = ldv;
        float* end = v + depth;
        var tile = default(ColumnTile<TV, TOps>);
        for (; v < end; v++, u += lanes)
        {
            tile.Add(new BroadcastColumn<TV, TOps>(v, ld), TOps.Load(u));
        }
        tile.Write(new Overwrite<TV, TOps>(), m, ldm);
    }

    /// <summary>
    /// <see cref="RunColumn"/> for 16 tiles (two row blocks sharing each u load): with 16 input
    /// channels, one block's 8 chains of 16 dependent FMAs leave the FMA units waiting on their
    /// latency; two blocks keep 16 chains in flight, as <see cref="Run"/> does (only where
    /// <see cref="TallColumns"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunColumnTall(int depth, float* v, int ldv, float* u, float* m, int ldm)
    {
        int lanes = Channels / 2;
        var upper = default(ColumnTile<TV, TOps>);
        var lower = default(ColumnTile<TV, TOps>);
        nint ld = ldv;
        float* end = v + depth;
        for (; v < end; v++, u += lanes)
        {
            var b = TOps.Load(u);
            upper.Add(new BroadcastColumn<TV, TOps>(v, ld), b);
            lower.Add(new BroadcastColumn<TV, TOps>(v + ColumnTiles * ld, ld), b);
        }
        upper.Write(new Overwrite<TV, TOps>(), m, ldm);
        lower.Write(new Overwrite<TV, TOps>(), m + ColumnTiles * ldm, ldm);
    }
}
