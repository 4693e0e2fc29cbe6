using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu.Convolution;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The sub-pixel data gradient's B panels packed straight from dy against the stacked shifted matrix S
/// written out element by element: panels that start inside a block and cross into the next, that start
/// mid-plane and span planes, odd plane sizes and 4-pixel rows, and a last panel narrower than nr.
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class ShiftedPanelsTests
{
    // images, channels, height, width, first block, p0, kc, j0, cols, nr
    [Theory]
    [InlineData(3, 5, 4, 4, 0, 0, 20, 0, 48, 16)] // all four blocks, 4-pixel rows, whole planes
    [InlineData(3, 5, 4, 4, 0, 3, 9, 5, 37, 16)] // mid-block start crossing a block, mid-plane start, narrow last panel
    [InlineData(2, 3, 5, 7, 1, 1, 4, 2, 60, 8)] // odd plane (35), blocks S₀₀ S₀₁ from inside the first
    [InlineData(2, 4, 3, 3, 2, 0, 8, 0, 18, 16)] // S₀₁ then S₁₁ on a 3×3 plane: a panel spans both images
    [InlineData(1, 2, 1, 9, 0, 0, 8, 0, 9, 6)] // one row: S₁₀ and S₁₁ all zero
    [InlineData(4, 2, 16, 16, 0, 2, 6, 250, 300, 16)] // 16-pixel rows, panels across planes
    [InlineData(2, 3, 16, 16, 0, 0, 12, 0, 512, 16)] // whole 16-float runs (the AVX2 panel's copy by two vectors), all four blocks, each plane's last row cut short
    public void Packs_the_shifted_blocks_of_dy(int images, int channels, int height, int width, int firstBlock, int p0, int kc, int j0, int cols, int nr)
    {
        int planes = height * width, n = images * planes;
        float[] dy = TestData.Uniform(images * channels * planes, 91);
        int rows = (4 - firstBlock) * channels;
        var s = new float[rows * n];
        for (int t = 0; t < 4 - firstBlock; t++)
        {
            var (dr, ds) = SubPixelDataGradient.Shift(firstBlock + t);
            for (int k = 0; k < channels; k++)
                for (int j = 0; j < n; j++)
                {
                    int image = j / planes, a = j % planes / width, b = j % width;
                    s[(t * channels + k) * n + j] = a + dr < height && b + ds < width
                        ? dy[(image * channels + k) * planes + (a + dr) * width + b + ds] : 0f;
                }
        }
        int panels = (cols + nr - 1) / nr;
        var expected = new float[panels * kc * nr];
        var actual = new float[expected.Length];
        Array.Fill(actual, float.NaN);
        for (int panel = 0; panel < panels; panel++)
            for (int p = 0; p < kc; p++)
                for (int i = 0; i < nr; i++)
                {
                    int j = panel * nr + i;
                    expected[(panel * kc + p) * nr + i] = j < cols ? s[(p0 + p) * n + j0 + j] : 0f;
                }
        fixed (float* source = dy)
        fixed (float* dst = actual)
        {
            new ShiftedPanels(source, channels, height, width, firstBlock).Pack(p0, kc, j0, cols, nr, dst);
        }
        Assert.Equal(expected, actual);
    }
}
