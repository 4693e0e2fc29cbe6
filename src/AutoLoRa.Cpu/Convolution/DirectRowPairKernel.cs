using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// <see cref="DirectConvolution"/>'s forward kernel for output rows half a vector wide: each vector
/// holds two consecutive output rows (a whole vector of consecutive pixels of the output plane),
/// its halves loaded from the two input rows they read, <c>rowStep</c> floats apart in the padded
/// image. The same register tile as <see cref="DirectConvKernel{TV, TOps}"/>, but every
/// multiply-add a whole vector wide where a kernel of one row per vector would run half-width
/// vectors, or none: 8-pixel rows on AVX-512 (ResNet's 8×8 stages, stride-2 layers into them
/// included), 4-pixel rows on AVX2 (the 4×4 stage, which no other direct kernel runs there).
/// </summary>
internal static unsafe class DirectRowPairKernel<TV, TOps> where TV : struct where TOps : IVectorOps<TV>
{
    /// <summary>Output pixels per vector: two rows.</summary>
    public static int Pixels => Unsafe.SizeOf<TV>() / sizeof(float);

    /// <summary>Output row width the kernel is made for.</summary>
    public static int RowWidth => Pixels / 2;

    public static bool IsSupported => TOps.IsSupported;

    /// <summary>
    /// out[j, run) = Σ_p a[p·h + j] · pair(x0 + offsets[p]) and likewise for x1 into the second
    /// run, where pair(q) is the <see cref="RowWidth"/> floats at q followed by those at q + rowStep
    /// and h = <typeparamref name="THeight"/>'s rows (8 with AVX-512's 32 registers, 6 on AVX2's 16:
    /// see <see cref="DirectConvKernel{TV, TOps}.Forward"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<THeight>(int steps, float* a, int* offsets, float* x0, float* x1, nint rowStep, float* out0, float* out1, int ldc)
        where THeight : ITileHeight
    {
        var tile = default(RegisterTile<TV, TOps, THeight>);
        for (int p = 0; p < steps; p++, a += THeight.Rows)
        {
            float* p0 = x0 + offsets[p], p1 = x1 + offsets[p];
            tile.Add(new BroadcastRun<TV, TOps>(a), TOps.LoadHalves(p0, p0 + rowStep), TOps.LoadHalves(p1, p1 + rowStep));
        }
        tile.Write(new Overwrite<TV, TOps>(), out0, out1, ldc);
    }
}
