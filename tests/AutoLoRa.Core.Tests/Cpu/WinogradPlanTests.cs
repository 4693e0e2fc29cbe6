using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu.Convolution;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>How <see cref="WinogradPlan"/> sizes its blocks of images.</summary>
[Trait("Backend", "cpu")]
public sealed class WinogradPlanTests
{
    private const long PerCoreBudget = 128 << 10;

    [Theory]
    // layer4 of r18w16-b64 (one tile per image): the budget holds 9 images, whose 9 tiles fill 12 of
    // the 6-row kernel's rows; 6 images fill 6 (the last block: 4 of 6).
    [InlineData(64, 128, 4, 6, 6)]
    // layer3 (four tiles per image): 5 images = 20 tiles in 24 rows; 3 = 12 tiles in 12.
    [InlineData(64, 64, 8, 6, 3)]
    // The whole batch fits: one block, 66 rows for 64 tiles (blocks of 60 and 4 would need as many).
    [InlineData(64, 16, 4, 6, 64)]
    // 8 rows (AVX-512): 9 images fill 16 rows, 8 fill 8.
    [InlineData(64, 128, 4, 8, 8)]
    public void Blocks_hold_the_images_that_waste_the_fewest_multiply_rows(int n, int channels, int side, int rowMultiple, int images)
    {
        var g = new ConvGeometry(n, channels, side, side, channels, 3, 3, 1, 1, 1, 1);
        var plan = new WinogradPlan(g, 8, rowMultiple, PerCoreBudget);
        Assert.Equal(images, plan.ImagesPerBlock);
        Assert.Equal(plan.RoundRows(images * plan.TilesPerImage), plan.Capacity);
    }
}
