namespace AutoLoRa.Data.Tests;

public sealed class AugmentationTests
{
    private const int H = 3, W = 5;

    // Two channels of 3×5 with pixel = 10·c + 5·y + x + 1 (never 0, so padding is recognisable).
    private static readonly byte[] Image = [.. Enumerable.Range(0, 2 * H * W).Select(i => (byte)(i / (H * W) * 100 + i % (H * W) + 1))];

    private static float In(int c, int y, int x) => Image[(c * H + y) * W + x] / 255f;

    private static float[] Run(int dy, int dx, bool flip)
    {
        var output = new float[Image.Length];
        Augmentation.Apply(Image, 2, H, W, output, dy, dx, flip);
        return output;
    }

    [Fact]
    public void Flip_without_shift_reverses_each_row()
    {
        var output = Run(0, 0, flip: true);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < H; y++)
                Assert.Equal(Enumerable.Range(0, W).Select(x => In(c, y, x)).Reverse(), output.Skip((c * H + y) * W).Take(W));
    }

    [Theory]
    [InlineData(1, -2, false)]
    [InlineData(-2, 3, false)]
    [InlineData(2, 1, true)]
    [InlineData(0, 0, false)]
    public void Crop_reads_shifted_pixels_and_zero_padding(int dy, int dx, bool flip)
    {
        var output = Run(dy, dx, flip);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                {
                    int cx = flip ? W - 1 - x : x; // flip after crop
                    int sy = y + dy, sx = cx + dx;
                    float expected = sy is >= 0 and < H && sx is >= 0 and < W ? In(c, sy, sx) : 0f;
                    Assert.Equal(expected, output[(c * H + y) * W + x]);
                }
    }

    [Fact]
    public void Random_draws_stay_within_the_padding_and_flip_only_when_enabled()
    {
        foreach (bool flipEnabled in new[] { true, false })
        {
            var aug = new Augmentation(CropPadding: 2, HorizontalFlip: flipEnabled);
            var rng = new SeededRandom(5);
            var seen = new HashSet<(int, int, bool)>();
            for (int trial = 0; trial < 200; trial++)
            {
                var output = new float[Image.Length];
                aug.Apply(Image, 2, H, W, output, ref rng);
                var match = (from dy in Enumerable.Range(-2, 5)
                             from dx in Enumerable.Range(-2, 5)
                             from f in new[] { false, true }
                             where Run(dy, dx, f).SequenceEqual(output)
                             select (dy, dx, f)).ToList();
                Assert.NotEmpty(match);
                seen.Add(match[0]);
                if (!flipEnabled) Assert.Contains(match, m => !m.f);
            }
            Assert.True(seen.Count > 20, $"only {seen.Count} distinct crops in 200 draws");
        }
    }

    [Fact]
    public void Negative_padding_is_rejected() => Assert.Throws<ArgumentOutOfRangeException>(() => new Augmentation(-1, true));
}
