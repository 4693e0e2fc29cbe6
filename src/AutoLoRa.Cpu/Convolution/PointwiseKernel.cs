using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply of <see cref="StridedPointwise"/>'s direct forward: 8 output channels × 2 vectors
/// of 16 pixels (<see cref="RegisterTile{TV, TOps, THeight}"/>), or × 1 vector for a last odd one
/// (<see cref="ColumnTile{TV, TOps}"/>), over every input channel, the filter read in place (no
/// packed copy: a 1×1 filter is a plain (K, C) matrix whose 8 rows are the tile's rows) and each
/// pixel vector from its own base, a fixed stride from step to step.
/// </summary>
internal static unsafe class PointwiseKernel
{
    /// <summary>Output channels per tile.</summary>
    public const int Channels = 8;

    /// <summary>Pixels per vector.</summary>
    public const int Pixels = 16;

    public static bool IsSupported => Vector512Ops.IsSupported;

    /// <summary>
    /// out_u[j·ld + lane] = Σ_p a[j·rowStride + p] · b_u[p·ldb + lane] for u = 0, 1, handed to <paramref name="writer"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pair<TWriter>(int steps, float* a, nint rowStride, float* b0, float* b1, nint ldb,
        TWriter writer, float* out0, float* out1, nint ld) where TWriter : ITileWriter<Vector512<float>>
    {
        var tile = default(RegisterTile<Vector512<float>, Vector512Ops, EightRows>);
        for (nint p = 0; p < steps; p++, a++, b0 += ldb, b1 += ldb)
        {
            tile.Add(new BroadcastColumn<Vector512<float>, Vector512Ops>(a, rowStride), Vector512.Load(b0), Vector512.Load(b1));
        }
        tile.Write(writer, out0, out1, ld);
    }

    /// <summary><see cref="Pair"/> for one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Single<TWriter>(int steps, float* a, nint rowStride, float* b, nint ldb,
        TWriter writer, float* output, nint ld) where TWriter : ITileWriter<Vector512<float>>
    {
        var tile = default(ColumnTile<Vector512<float>, Vector512Ops>);
        for (nint p = 0; p < steps; p++, a++, b += ldb)
        {
            tile.Add(new BroadcastColumn<Vector512<float>, Vector512Ops>(a, rowStride), Vector512.Load(b));
        }
        tile.Write(writer, output, ld);
    }
}
