using AutoLoRa.Cpu.Convolution;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The sub-pixel data gradient's row merge at every width up to past two 32-column steps, so each of
/// its vector steps (32 and 8 columns, as the CPU supports) and the scalar tail, odd widths
/// included, write exactly the interleaved row and nothing past it.
/// </summary>
[Trait("Backend", "cpu")]
public sealed unsafe class SubPixelMergeTests
{
    [Fact]
    public void Merge_interleaves_evens_and_odds_at_every_width()
    {
        for (int width = 1; width <= 75; width++)
        {
            float[] evens = Enumerable.Range(0, (width + 1) / 2).Select(i => 2f * i).ToArray();
            float[] odds = Enumerable.Range(0, width / 2 + 1).Select(i => 2f * i + 1).ToArray();
            var row = new float[width + 1];
            row[width] = -1f;
            fixed (float* e = evens)
            fixed (float* o = odds)
            fixed (float* r = row)
            {
                SubPixelDataGradient.Merge(e, o, r, width);
            }
            Assert.Equal(Enumerable.Range(0, width).Select(i => (float)i).Append(-1f).ToArray(), row);
        }
    }
}
