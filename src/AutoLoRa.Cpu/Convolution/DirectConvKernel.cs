using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The inner kernel of <see cref="DirectConvolution"/>: 8 output channels × 2 runs of 16 output
/// pixels in 16 zmm accumulators — the GEMM micro-kernel's 8×32 tile, except that the "B row" of
/// step p is read straight from the padded image at <c>offsets[p]</c> (tap (c, r, s) shifted into
/// place) instead of from a packed panel. No lowering, no packing of the activations.
/// </summary>
internal static unsafe class DirectConvKernel
{
    public const int Channels = 8;
    public const int Pixels = 16;

    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// out[j, 0..16) = Σ_p a[p·8 + j] · x0[offsets[p] .. +16) and likewise for x1 into the second
    /// run; rows of the output are <paramref name="ldc"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int steps, float* a, int* offsets, float* x0, float* x1, float* out0, float* out1, int ldc)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;

        for (int p = 0; p < steps; p++, a += Channels)
        {
            int offset = offsets[p];
            var b0 = Vector512.Load(x0 + offset);
            var b1 = Vector512.Load(x1 + offset);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }

        Vector512.Store(c00, out0); Vector512.Store(c01, out1);
        Vector512.Store(c10, out0 + ldc); Vector512.Store(c11, out1 + ldc);
        Vector512.Store(c20, out0 + 2 * ldc); Vector512.Store(c21, out1 + 2 * ldc);
        Vector512.Store(c30, out0 + 3 * ldc); Vector512.Store(c31, out1 + 3 * ldc);
        Vector512.Store(c40, out0 + 4 * ldc); Vector512.Store(c41, out1 + 4 * ldc);
        Vector512.Store(c50, out0 + 5 * ldc); Vector512.Store(c51, out1 + 5 * ldc);
        Vector512.Store(c60, out0 + 6 * ldc); Vector512.Store(c61, out1 + 6 * ldc);
        Vector512.Store(c70, out0 + 7 * ldc); Vector512.Store(c71, out1 + 7 * ldc);
    }
}

/// <summary>
/// The inner kernel of <see cref="DirectConvolution.BackwardFilter"/>: for 8 output channels × 2
/// filter taps, the dot products of the output gradient with the tap-shifted input over every
/// pixel of a run of images, in 16 zmm accumulators reduced once at the end.
/// </summary>
internal static unsafe class DirectFilterKernel
{
    /// <summary>
    /// sums[2j + u] += Σ_images Σ_v dy_j[v·16 .. +16) · x_u[origins[v] .. +16), where dy_j is row
    /// min(j, rows − 1) of the image's gradient (rows beyond the block repeat a real row; the
    /// caller discards them) and x_u is the padded image shifted by tap u.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int images, int vectors, int* origins, float* x0, float* x1, long xImage,
        float* dy, int ldDy, int rows, long dyImage, float* sums)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;

        for (int image = 0; image < images; image++, x0 += xImage, x1 += xImage, dy += dyImage)
        {
            float* d0 = dy, d1 = Row(dy, 1, rows, ldDy), d2 = Row(dy, 2, rows, ldDy), d3 = Row(dy, 3, rows, ldDy);
            float* d4 = Row(dy, 4, rows, ldDy), d5 = Row(dy, 5, rows, ldDy), d6 = Row(dy, 6, rows, ldDy), d7 = Row(dy, 7, rows, ldDy);
            for (int v = 0, px = 0; v < vectors; v++, px += DirectConvKernel.Pixels)
            {
                int origin = origins[v];
                var b0 = Vector512.Load(x0 + origin);
                var b1 = Vector512.Load(x1 + origin);
                var a0 = Vector512.Load(d0 + px);
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Load(d1 + px);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Load(d2 + px);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Load(d3 + px);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector512.Load(d4 + px);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector512.Load(d5 + px);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
                var a6 = Vector512.Load(d6 + px);
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
                var a7 = Vector512.Load(d7 + px);
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            }
        }

        sums[0] += Vector512.Sum(c00); sums[1] += Vector512.Sum(c01);
        sums[2] += Vector512.Sum(c10); sums[3] += Vector512.Sum(c11);
        sums[4] += Vector512.Sum(c20); sums[5] += Vector512.Sum(c21);
        sums[6] += Vector512.Sum(c30); sums[7] += Vector512.Sum(c31);
        sums[8] += Vector512.Sum(c40); sums[9] += Vector512.Sum(c41);
        sums[10] += Vector512.Sum(c50); sums[11] += Vector512.Sum(c51);
        sums[12] += Vector512.Sum(c60); sums[13] += Vector512.Sum(c61);
        sums[14] += Vector512.Sum(c70); sums[15] += Vector512.Sum(c71);
    }

    private static float* Row(float* dy, int j, int rows, int ld) => dy + (long)Math.Min(j, rows - 1) * ld;
}
