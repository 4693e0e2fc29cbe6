namespace AutoLoRa.Data.Folders;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved (HWC), as decoders and PIL hold them.</summary>
public readonly record struct RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> (height × width × 3 bytes, not copied).</summary>
    public RgbImage(byte[] pixels, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.LongLength != (long)width * height * 3)
            throw new ArgumentException($"{pixels.LongLength} bytes for a {width}×{height} RGB image (expected {(long)width * height * 3}).", nameof(pixels));
        Pixels = pixels;
        Width = width;
        Height = height;
    }

    /// <summary>height × width × 3 bytes.</summary>
    public byte[] Pixels { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }
}

/// <summary>A rectangle of an image: top row, left column, height, width.</summary>
public readonly record struct CropBox(int Top, int Left, int Height, int Width);
