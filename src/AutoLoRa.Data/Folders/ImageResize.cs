namespace AutoLoRa.Data.Folders;

/// <summary>
/// Bilinear resizing as PIL does it for torchvision's PIL pipeline: separable, horizontal pass
/// then vertical, each output pixel a triangle-filter average whose support widens with the
/// reduction factor (so downscaling is antialiased), rounded to bytes after each pass.
/// </summary>
public static class ImageResize
{
    /// <summary>Resizes the <paramref name="box"/> of <paramref name="image"/> to <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static RgbImage Resize(RgbImage image, CropBox box, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (box.Top < 0 || box.Left < 0 || box.Height <= 0 || box.Width <= 0 || box.Top + box.Height > image.Height || box.Left + box.Width > image.Width)
            throw new ArgumentOutOfRangeException(nameof(box), $"Crop {box} is not inside a {image.Width}×{image.Height} image.");
        var (xStart, xCount, xWeights, xTaps) = Coefficients(box.Width, width);
        var (yStart, yCount, yWeights, yTaps) = Coefficients(box.Height, height);

        // Horizontal pass over the rows of the box: box.Height × width.
        var rows = new byte[box.Height * width * 3];
        var src = image.Pixels;
        for (int y = 0; y < box.Height; y++)
        {
            int inRow = ((box.Top + y) * image.Width + box.Left) * 3;
            int outRow = y * width * 3;
            for (int x = 0; x < width; x++)
            {
                float r = 0, g = 0, b = 0;
                int k0 = x * xTaps;
                for (int t = 0; t < xCount[x]; t++)
                {
                    float w = xWeights[k0 + t];
                    int p = inRow + (xStart[x] + t) * 3;
                    r += w * src[p];
                    g += w * src[p + 1];
                    b += w * src[p + 2];
                }
                int o = outRow + x * 3;
                rows[o] = ToByte(r);
                rows[o + 1] = ToByte(g);
                rows[o + 2] = ToByte(b);
            }
        }

        // Vertical pass: height × width.
        var result = new byte[height * width * 3];
        int stride = width * 3;
        for (int y = 0; y < height; y++)
        {
            int k0 = y * yTaps;
            int outRow = y * stride;
            for (int i = 0; i < stride; i++)
            {
                float v = 0;
                for (int t = 0; t < yCount[y]; t++) v += yWeights[k0 + t] * rows[(yStart[y] + t) * stride + i];
                result[outRow + i] = ToByte(v);
            }
        }
        return new RgbImage(result, width, height);
    }

    /// <summary>Resizes a whole image.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height) =>
        Resize(image, new CropBox(0, 0, image.Height, image.Width), width, height);

    /// <summary>
    /// torchvision <c>Resize(size)</c> with one number: the shorter side becomes
    /// <paramref name="size"/>, the longer <c>int(size · long / short)</c> (truncated, as torchvision does).
    /// </summary>
    public static (int Width, int Height) ShorterSideTo(int width, int height, int size)
    {
        if (width <= height) return (size, (int)((long)size * height / width));
        return ((int)((long)size * width / height), size);
    }

    // Per output pixel: first input pixel, tap count, and normalised weights (PIL's precompute_coeffs, bilinear filter).
    private static (int[] Start, int[] Count, float[] Weights, int Taps) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale; // bilinear support 1, widened when reducing
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new float[outSize * taps];
        var k = new double[taps];
        for (int x = 0; x < outSize; x++)
        {
            double center = (x + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize) - min;
            double sum = 0;
            for (int t = 0; t < max; t++)
            {
                double d = Math.Abs((t + min - center + 0.5) / filterScale);
                k[t] = d < 1 ? 1 - d : 0;
                sum += k[t];
            }
            for (int t = 0; t < max; t++) weights[x * taps + t] = (float)(sum > 0 ? k[t] / sum : 0);
            start[x] = min;
            count[x] = max;
        }
        return (start, count, weights, taps);
    }

    private static byte ToByte(float v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(v + 0.5f);
}
