using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The inner kernels of <see cref="DirectConvolution"/>, one register tile
/// (<see cref="RegisterTile{TV, TOps, THeight}"/>: 8 output channels — 6 or 4 for the forward on
/// AVX2 — × 2 runs of one vector of output pixels) read straight from the padded image instead of packed panels: no lowering, no packing of
/// the activations. Instantiated for 512-bit vectors (16-pixel runs) and 256-bit ones (8-pixel runs:
/// 8-wide rows, and CPUs without AVX-512; on cores that split 512-bit operations in two, as Zen 4
/// does, it multiplies as fast).
/// </summary>
internal static unsafe class DirectConvKernel<TV, TOps> where TV : struct where TOps : IVectorOps<TV>
{
    /// <summary>Output channels per tile of <see cref="FilterGradient"/>, and of <see cref="Forward"/> with 32 registers.</summary>
    public const int Channels = 8;

    /// <summary>Output pixels per run: one vector.</summary>
    public static int Pixels => Unsafe.SizeOf<TV>() / sizeof(float);

    public static bool IsSupported => TOps.IsSupported;

    /// <summary>
    /// out[j, run) = Σ_p a[p·h + j] · x0[offsets[p] + run) and likewise for x1 into the second run,
    /// h = <typeparamref name="THeight"/>'s rows (the filter is packed in panels of h channels):
    /// step p's "B row" is the padded image at tap p's offset. Rows of the output are
    /// <paramref name="ldc"/> floats apart. Eight rows need 19 registers (32 with AVX-512); on 16
    /// ymm registers the JIT spilled three of their accumulators to the stack, a load and a store
    /// per step each, so AVX2 alone runs six, and four for a last block (<see cref="DirectConvolution"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<THeight>(int steps, float* a, int* offsets, float* x0, float* x1, float* out0, float* out1, int ldc)
        where THeight : ITileHeight
    {
        var tile = default(RegisterTile<TV, TOps, THeight>);
        for (int p = 0; p < steps; p++, a += THeight.Rows)
        {
            int offset = offsets[p];
            tile.Add(new BroadcastRun<TV, TOps>(a), TOps.Load(x0 + offset), TOps.Load(x1 + offset));
        }
        tile.Write(new Overwrite<TV, TOps>(), out0, out1, ldc);
    }

    /// <summary>
    /// For <typeparamref name="THeight"/> output channels × 2 filter taps, the dot products of the
    /// output gradient with the tap-shifted input over every pixel of a run of images, reduced once at
    /// the end: sums[2j + u] += Σ_images Σ_v dy_j[v·Pixels + run) · x_u[origins[v] + run), where dy_j
    /// is row min(j, rows − 1) of the image's gradient (rows beyond the block repeat a real row; the
    /// caller discards them) and x_u is the padded image shifted by tap u. Eight rows (16
    /// accumulators) want 32 vector registers; with 16 (AVX2 alone) six rows keep the tile in them,
    /// where eight spilled three accumulators in the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FilterGradient<THeight>(int images, int vectors, int* origins, float* x0, float* x1, long xImage,
        float* dy, int ldDy, int rows, long dyImage, float* sums) where THeight : ITileHeight
    {
        var tile = default(RegisterTile<TV, TOps, THeight>);
        for (int image = 0; image < images; image++, x0 += xImage, x1 += xImage, dy += dyImage)
        {
            var dyRows = new RowRuns<TV, TOps>(dy, ldDy, rows);
            nint px = 0;
            for (int v = 0; v < vectors; v++, px += Pixels)
            {
                int origin = origins[v];
                tile.Add(dyRows.At(px), TOps.Load(x0 + origin), TOps.Load(x1 + origin));
            }
        }
        tile.AddLaneSumsTo(sums);
    }
}
