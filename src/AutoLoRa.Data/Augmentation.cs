namespace AutoLoRa.Data;

/// <summary>
/// The standard training augmentation of robust fine-tuning: a random crop of the original
/// size from the image zero-padded by <see cref="CropPadding"/> on every side, then a random
/// horizontal flip (torchvision RandomCrop(size, padding) + RandomHorizontalFlip). Applied per
/// sample straight into the float batch buffer, so no padded copy is ever made.
/// </summary>
public sealed record Augmentation(int CropPadding, bool HorizontalFlip) : ISampleTransform
{
    /// <summary>Checks the padding is not negative.</summary>
    public int CropPadding { get; init; } = CropPadding >= 0 ? CropPadding : throw new ArgumentOutOfRangeException(nameof(CropPadding), "Crop padding must not be negative.");

    /// <summary>
    /// Writes one augmented sample as [0,1] floats. Three values are always drawn from
    /// <paramref name="rng"/> (row offset, column offset, flip) whatever the settings, so a
    /// sample's draws never depend on its neighbours' options.
    /// </summary>
    /// <param name="source">The sample's bytes, CHW.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="destination">C×H×W floats to fill.</param>
    /// <param name="rng">The batch's generator.</param>
    public void Apply(ReadOnlySpan<byte> source, int channels, int height, int width, Span<float> destination, ref SeededRandom rng)
    {
        int window = 2 * CropPadding + 1;
        // Offsets of the crop window within the padded image, shifted so 0 means "no shift".
        int dy = rng.NextInt(window) - CropPadding;
        int dx = rng.NextInt(window) - CropPadding;
        bool flip = rng.NextBool() && HorizontalFlip;
        Apply(source, channels, height, width, destination, dy, dx, flip);
    }

    /// <summary>
    /// The deterministic core: output (y, x) = input (y + dy, x' + dx) with x' = W−1−x when
    /// flipped (flip after crop, as torchvision does), and 0 where that falls in the padding.
    /// </summary>
    public static void Apply(ReadOnlySpan<byte> source, int channels, int height, int width, Span<float> destination, int dy, int dx, bool flip)
    {
        int plane = height * width;
        if (source.Length < channels * plane || destination.Length < channels * plane)
            throw new ArgumentException($"Sample buffers of {source.Length} bytes / {destination.Length} floats are smaller than {channels}x{height}x{width}.");
        // Columns of the output that read inside the image: x + dx in [0, W).
        int xLo = Math.Max(0, -dx), xHi = Math.Min(width, width - dx);
        for (int c = 0; c < channels; c++)
        {
            var src = source.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (int y = 0; y < height; y++)
            {
                var row = dst.Slice(y * width, width);
                int sy = y + dy;
                if ((uint)sy >= (uint)height || xLo >= xHi)
                {
                    row.Clear();
                    continue;
                }
                var srcRow = src.Slice(sy * width, width);
                if (!flip)
                {
                    row[..xLo].Clear();
                    for (int x = xLo; x < xHi; x++) row[x] = ImageDataset.ToUnit(srcRow[x + dx]);
                    row[xHi..].Clear();
                }
                else
                {
                    // Cropped column x lands at W−1−x.
                    for (int x = 0; x < width; x++)
                    {
                        int cx = width - 1 - x;
                        row[x] = cx >= xLo && cx < xHi ? ImageDataset.ToUnit(srcRow[cx + dx]) : 0f;
                    }
                }
            }
        }
    }
}
