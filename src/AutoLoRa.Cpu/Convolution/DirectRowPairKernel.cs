using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// <see cref="DirectConvolution"/>'s forward kernel for 8-pixel output rows on AVX-512: each
/// 16-lane vector holds two consecutive output rows (16 consecutive pixels of the output plane),
/// its halves loaded from the two input rows they read, <c>rowStep</c> floats apart in the padded
/// image. The same 8-channel × 2-vector register tile as <see cref="DirectConvKernel{TV, TOps}"/>,
/// but every multiply-add 16 lanes wide where the 8-pixel kernel's are 8 (ResNet's 8×8 stages,
/// stride-2 layers into them included).
/// </summary>
internal static unsafe class DirectRowPairKernel
{
    /// <summary>Output channels per tile.</summary>
    public const int Channels = 8;

    /// <summary>Output pixels per vector: two rows of 8.</summary>
    public const int Pixels = 16;

    /// <summary>Output row width the kernel is made for.</summary>
    public const int RowWidth = 8;

    public static bool IsSupported => Vector512Ops.IsSupported;

    /// <summary>
    /// out[j, run) = Σ_p a[p·8 + j] · pair(x0 + offsets[p]) and likewise for x1 into the second
    /// run, where pair(q) is the 8 floats at q followed by the 8 at q + rowStep.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(int steps, float* a, int* offsets, float* x0, float* x1, nint rowStep, float* out0, float* out1, int ldc)
    {
        var tile = default(RegisterTile<Vector512<float>, Vector512Ops, EightRows>);
        for (int p = 0; p < steps; p++, a += Channels)
        {
            float* p0 = x0 + offsets[p], p1 = x1 + offsets[p];
            tile.Add(new BroadcastRun<Vector512<float>, Vector512Ops>(a),
                Vector512.Create(Vector256.Load(p0), Vector256.Load(p0 + rowStep)),
                Vector512.Create(Vector256.Load(p1), Vector256.Load(p1 + rowStep)));
        }
        tile.Write(new Overwrite<Vector512<float>, Vector512Ops>(), out0, out1, ldc);
    }
}
