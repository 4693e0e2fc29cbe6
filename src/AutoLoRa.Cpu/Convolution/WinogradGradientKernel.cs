using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply stage of <see cref="WinogradFilterGradient"/> for one product ξ:
/// dU[c, k] (+)= Σ_t V[t, c] · dM[t, k] — a sum over tiles, 8 input channels × 32 output channels
/// per call in one register tile (8 × 16 for a last block of 16). The 8 input channels of a tile
/// are adjacent in V, so each step broadcasts from one short run.
/// </summary>
internal static unsafe class WinogradGradientKernel
{
    /// <summary>Input channels per call.</summary>
    public const int Channels = 8;

    /// <summary>Output channels per <see cref="Run32"/>.</summary>
    public const int OutputChannels = 32;

    /// <summary>
    /// du[i, 0..32) (+)= Σ_t v[t·ldv + i] · dm[t·ldm .. +32) for i &lt; 8; rows of du
    /// <paramref name="ldu"/> floats apart; <paramref name="accumulate"/> adds to what du holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run32(int tiles, float* v, int ldv, float* dm, int ldm, float* du, int ldu, bool accumulate)
    {
        var tile = default(RegisterTile<Vector512<float>, Vector512Ops, EightRows>);
        for (int t = 0; t < tiles; t++, v += ldv, dm += ldm)
        {
            tile.Add(new BroadcastRun<Vector512<float>, Vector512Ops>(v), Vector512.Load(dm), Vector512.Load(dm + 16));
        }
        if (accumulate) tile.Write(new Accumulate<Vector512<float>, Vector512Ops>(), du, du + 16, ldu);
        else tile.Write(new Overwrite<Vector512<float>, Vector512Ops>(), du, du + 16, ldu);
    }

    /// <summary>As <see cref="Run32"/> for a block of 16 output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run16(int tiles, float* v, int ldv, float* dm, int ldm, float* du, int ldu, bool accumulate)
    {
        var tile = default(ColumnTile<Vector512<float>, Vector512Ops>);
        for (int t = 0; t < tiles; t++, v += ldv, dm += ldm)
        {
            tile.Add(new BroadcastRun<Vector512<float>, Vector512Ops>(v), Vector512.Load(dm));
        }
        if (accumulate) tile.Write(new Accumulate<Vector512<float>, Vector512Ops>(), du, ldu);
        else tile.Write(new Overwrite<Vector512<float>, Vector512Ops>(), du, ldu);
    }
}
