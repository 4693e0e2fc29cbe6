namespace AutoLoRa.Data.Folders;

/// <summary>
/// The reference ImageNet-style transforms for decoded images, producing C×H×W floats in [0, 1]:
/// training is Resize(256) → RandomResizedCrop(224, scale 0.08–1, ratio 3/4–4/3) → random
/// horizontal flip; testing is Resize(256) → CenterCrop(224). Randomness comes only from the
/// generator passed in, so a sample's output is fixed by (seed, epoch, position).
/// </summary>
public sealed record ImageFolderTransform
{
    /// <summary>Shorter side after the first resize (256).</summary>
    public int ResizeTo { get; init; } = 256;

    /// <summary>Output height and width (224).</summary>
    public int CropTo { get; init; } = 224;

    /// <summary>RandomResizedCrop + flip when true; CenterCrop when false.</summary>
    public bool Random { get; init; }

    /// <summary>Area fraction range of the random crop.</summary>
    public (double Min, double Max) Scale { get; init; } = (0.08, 1.0);

    /// <summary>Aspect ratio (width / height) range of the random crop.</summary>
    public (double Min, double Max) Ratio { get; init; } = (3.0 / 4.0, 4.0 / 3.0);

    /// <summary>Flip horizontally with probability ½ (training only).</summary>
    public bool HorizontalFlip { get; init; } = true;

    /// <summary>The training transform of the reference.</summary>
    public static ImageFolderTransform Train { get; } = new() { Random = true };

    /// <summary>The test transform of the reference.</summary>
    public static ImageFolderTransform Test { get; } = new() { Random = false };

    /// <summary>Writes 3 × <see cref="CropTo"/>² floats of the transformed image into <paramref name="destination"/>.</summary>
    public void Apply(RgbImage image, Span<float> destination, ref SeededRandom rng)
    {
        int size = CropTo;
        if (destination.Length < 3 * size * size)
            throw new ArgumentException($"Destination holds {destination.Length} floats; 3×{size}×{size} needed.", nameof(destination));
        var (w, h) = ImageResize.ShorterSideTo(image.Width, image.Height, ResizeTo);
        var resized = w == image.Width && h == image.Height ? image : ImageResize.Resize(image, w, h);
        RgbImage output;
        bool flip = false;
        if (Random)
        {
            var box = RandomResizedCropBox(resized.Height, resized.Width, Scale, Ratio, ref rng);
            output = ImageResize.Resize(resized, box, size, size);
            flip = rng.NextBool() && HorizontalFlip;
        }
        else
        {
            var box = CenterCropBox(resized.Height, resized.Width, size);
            output = ImageResize.Resize(resized, box, size, size);
        }
        ToPlanes(output, destination, flip);
    }

    /// <summary>
    /// torchvision <c>RandomResizedCrop.get_params</c>: up to 10 tries of a random area fraction
    /// and log-uniform aspect ratio, the first that fits wins, at a uniform position; otherwise a
    /// centred crop of the whole image clamped to the ratio range. Two doubles per try, then two
    /// integers on success.
    /// </summary>
    public static CropBox RandomResizedCropBox(int height, int width, (double Min, double Max) scale, (double Min, double Max) ratio, ref SeededRandom rng)
    {
        double area = (double)height * width;
        double logMin = Math.Log(ratio.Min), logMax = Math.Log(ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.NextDouble(scale.Min, scale.Max);
            double aspect = Math.Exp(rng.NextDouble(logMin, logMax));
            // Python's round() rounds halves to even, as Math.Round does by default.
            int w = (int)Math.Round(Math.Sqrt(target * aspect));
            int h = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = rng.NextInt(height - h + 1);
                int left = rng.NextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < ratio.Min)
        {
            cw = width;
            ch = (int)Math.Round(cw / ratio.Min);
        }
        else if (inRatio > ratio.Max)
        {
            ch = height;
            cw = (int)Math.Round(ch * ratio.Max);
        }
        else
        {
            cw = width;
            ch = height;
        }
        return new CropBox((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <summary>torchvision <c>CenterCrop</c>: offsets <c>round((size − crop) / 2)</c>.</summary>
    public static CropBox CenterCropBox(int height, int width, int size)
    {
        if (size > height || size > width)
            throw new ArgumentException($"A {size}-pixel centre crop does not fit a {width}×{height} image.");
        return new CropBox((int)Math.Round((height - size) / 2.0), (int)Math.Round((width - size) / 2.0), size, size);
    }

    /// <summary>HWC bytes → CHW floats in [0, 1], mirrored left–right when <paramref name="flip"/>.</summary>
    public static void ToPlanes(RgbImage image, Span<float> destination, bool flip)
    {
        int w = image.Width, h = image.Height, plane = w * h;
        var p = image.Pixels;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int sx = flip ? w - 1 - x : x;
                int s = (y * w + sx) * 3, d = y * w + x;
                destination[d] = ImageDataset.ToUnit(p[s]);
                destination[plane + d] = ImageDataset.ToUnit(p[s + 1]);
                destination[2 * plane + d] = ImageDataset.ToUnit(p[s + 2]);
            }
        }
    }
}
