using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply stage of <see cref="WinogradConvolution"/> for one product ξ:
/// m[t, k] = Σ_c v[t, c] · u[c, k], 8 tiles × 32 output channels per call in one register tile
/// (8 × 16 for a last block of 16 channels). v rows are read where the input transform left them,
/// broadcast one value at a time; u comes in panels of 16 channels, one vector per input channel
/// (the layout the filter transform writes), so nothing is packed per call.
/// </summary>
internal static unsafe class WinogradGemmKernel
{
    public const int Tiles = 8;
    public const int Channels = 32;

    /// <summary>
    /// m[t, 0..32) for t &lt; 8: channels 0..16 from panel <paramref name="u0"/>, 16..32 from
    /// <paramref name="u1"/> (16 floats per input channel); rows of v <paramref name="ldv"/>, of m
    /// <paramref name="ldm"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run32(int depth, float* v, int ldv, float* u0, float* u1, float* m, int ldm)
    {
        var tile = default(RegisterTile<Vector512<float>, Vector512Ops, EightRows>);
        for (int c = 0; c < depth; c++, u0 += 16, u1 += 16)
        {
            tile.Add(new BroadcastColumn<Vector512<float>, Vector512Ops>(v + c, ldv), Vector512.Load(u0), Vector512.Load(u1));
        }
        tile.Write(new Overwrite<Vector512<float>, Vector512Ops>(), m, m + 16, ldm);
    }

    /// <summary>As <see cref="Run32"/> for a block of 16 output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run16(int depth, float* v, int ldv, float* u, float* m, int ldm)
    {
        var tile = default(ColumnTile<Vector512<float>, Vector512Ops>);
        for (int c = 0; c < depth; c++, u += 16)
        {
            tile.Add(new BroadcastColumn<Vector512<float>, Vector512Ops>(v + c, ldv), Vector512.Load(u));
        }
        tile.Write(new Overwrite<Vector512<float>, Vector512Ops>(), m, ldm);
    }

    /// <summary>
    /// <see cref="Run16"/> for 16 tiles (two row blocks sharing each u load): with 16 input
    /// channels, one block's 8 chains of 16 dependent FMAs leave the FMA units waiting on their
    /// latency; two blocks keep 16 chains in flight, as <see cref="Run32"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run16Tall(int depth, float* v, int ldv, float* u, float* m, int ldm)
    {
        var upper = default(ColumnTile<Vector512<float>, Vector512Ops>);
        var lower = default(ColumnTile<Vector512<float>, Vector512Ops>);
        float* v8 = v + Tiles * ldv;
        for (int c = 0; c < depth; c++, u += 16)
        {
            var b = Vector512.Load(u);
            upper.Add(new BroadcastColumn<Vector512<float>, Vector512Ops>(v + c, ldv), b);
            lower.Add(new BroadcastColumn<Vector512<float>, Vector512Ops>(v8 + c, ldv), b);
        }
        upper.Write(new Overwrite<Vector512<float>, Vector512Ops>(), m, ldm);
        lower.Write(new Overwrite<Vector512<float>, Vector512Ops>(), m + Tiles * ldm, ldm);
    }
}
