using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply stage of <see cref="WinogradFilterGradient"/> for one product ξ:
/// dU[c, k] (+)= Σ_t V[t, c] · dM[t, k] — a sum over tiles, <see cref="InputChannels"/> input channels ×
/// <see cref="OutputChannels"/> output channels per call in one register tile (8 × 32 on AVX-512, 6 × 16
/// on AVX2, 4 × 16 where 6 rows would not divide the input channels left), or 8 × one
/// vector for a last vector of output channels. The input channels of a tile are adjacent in V, so
/// each step broadcasts from one short run.
/// </summary>
internal static unsafe class WinogradGradientKernel<TV, TOps, THeight>
    where TV : struct
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
{
    /// <summary>Input channels per <see cref="Run"/>.</summary>
    public static int InputChannels => THeight.Rows;

    /// <summary>Output channels per <see cref="Run"/>: two vectors.</summary>
    public static int OutputChannels => RegisterTile<TV, TOps, THeight>.Columns;

    /// <summary>Input channels per <see cref="RunColumn"/>.</summary>
    public const int ColumnInputChannels = 8;

    /// <summary>
    /// du[i, 0..OutputChannels) (+)= Σ_t v[t·ldv + i] · dm[t·ldm .. +OutputChannels) for i &lt;
    /// <see cref="InputChannels"/>; rows of du <paramref name="ldu"/> floats apart;
    /// <paramref name="accumulate"/> adds to what du holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int tiles, float* v, int ldv, float* dm, int ldm, float* du, int ldu, bool accumulate)
    {
        int lanes = OutputChannels / 2;
        var tile = default(RegisterTile<TV, TOps, THeight>);
        for (int t = 0; t < tiles; t++, v += ldv, dm += ldm)
        {
            tile.Add(new BroadcastRun<TV, TOps>(v), TOps.Load(dm), TOps.Load(dm + lanes));
        }
        if (accumulate) tile.Write(new Accumulate<TV, TOps>(), du, du + lanes, ldu);
        else tile.Write(new Overwrite<TV, TOps>(), du, du + lanes, ldu);
    }

    /// <summary>As <see cref="Run"/> for 8 input channels and one vector of output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunColumn(int tiles, float* v, int ldv, float* dm, int ldm, float* du, int ldu, bool accumulate)
    {
        var tile = default(ColumnTile<TV, TOps>);
        for (int t = 0; t < tiles; t++, v += ldv, dm += ldm)
        {
            tile.Add(new BroadcastRun<TV, TOps>(v), TOps.Load(dm));
        }
        if (accumulate) tile.Write(new Accumulate<TV, TOps>(), du, ldu);
        else tile.Write(new Overwrite<TV, TOps>(), du, ldu);
    }
}
