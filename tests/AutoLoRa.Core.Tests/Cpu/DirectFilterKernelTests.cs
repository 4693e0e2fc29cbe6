using System.Runtime.Intrinsics;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The direct filter gradient's register tile on its own, against its definition summed in double:
/// sums[2j + u] += Σ_images Σ_v Σ_lanes dy_j[v·P + lane] · x_u[origins[v] + lane], dy_j being row
/// min(j, rows − 1). Every height on 256-bit vectors (six rows is what an AVX2-only CPU runs, eight
/// what an AVX-512 one does), so each instantiation is checked on either kind; .NET computes Vector256
/// in software on a CPU without AVX2, so nothing here depends on the machine.
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class DirectFilterKernelTests
{
    private const int Images = 2, Vectors = 3, Pixels = 8, Ld = Vectors * Pixels + 5, XImage = 80, Shift = 7;
    private static readonly int[] Origins = [0, 11, 30];

    [Theory]
    [InlineData(6, 6)]
    [InlineData(6, 4)] // a short block: rows past it repeat row 3
    [InlineData(8, 8)]
    [InlineData(8, 7)]
    public void Vector256_tiles_sum_the_products_of_every_row_and_tap(int height, int rows)
    {
        int dyImage = rows * Ld;
        float[] x = TestData.Uniform(Images * XImage, 81), dy = TestData.Uniform(Images * dyImage, 82);
        var sums = TestData.Uniform(16, 83);
        var expected = sums.Select(v => (double)v).ToArray();
        for (int j = 0; j < height; j++)
        {
            int row = Math.Min(j, rows - 1);
            for (int u = 0; u < 2; u++)
            {
                for (int n = 0; n < Images; n++)
                {
                    for (int v = 0; v < Vectors; v++)
                    {
                        for (int lane = 0; lane < Pixels; lane++)
                        {
                            expected[2 * j + u] += (double)dy[n * dyImage + row * Ld + v * Pixels + lane] * x[n * XImage + u * Shift + Origins[v] + lane];
                        }
                    }
                }
            }
        }

        fixed (float* px = x, pdy = dy, ps = sums)
        fixed (int* po = Origins)
        {
            if (height == 6) DirectConvKernel<Vector256<float>, Vector256Ops>.FilterGradient<SixRows>(Images, Vectors, po, px, px + Shift, XImage, pdy, Ld, rows, dyImage, ps);
            else DirectConvKernel<Vector256<float>, Vector256Ops>.FilterGradient<EightRows>(Images, Vectors, po, px, px + Shift, XImage, pdy, Ld, rows, dyImage, ps);
        }
        for (int i = 0; i < 2 * height; i++) Assert.True(Math.Abs(expected[i] - sums[i]) < 1e-4, $"sum {i}: {sums[i]} against {expected[i]}");
        // Past the tile's rows nothing is written.
        for (int i = 2 * height; i < 16; i++) Assert.Equal((float)expected[i], sums[i]);
    }
}
