namespace AutoLoRa.Data.Formats;

/// <summary>
/// Reader of the STL-10 binary version: <c>*_X.bin</c> holds 96×96×3 uint8 images, channel
/// planes in R, G, B order with each plane stored column-major (the MATLAB origin of the set),
/// and <c>*_y.bin</c> one label byte per image in 1..10. Images are transposed to row-major CHW
/// and labels shifted to 0..9.
/// </summary>
public static class Stl10Reader
{
    /// <summary>Image side in pixels.</summary>
    public const int Side = 96;

    /// <summary>Bytes per image: 3 × 96 × 96.</summary>
    public const int ImageBytes = 3 * Side * Side;

    /// <summary>Reads an images file and its labels file.</summary>
    /// <exception cref="DataFormatException">A file is missing or malformed, or the counts differ.</exception>
    public static ImageDataset Read(string imagesPath, string labelsPath, string name, IReadOnlyList<string> classNames, string missingHint = "")
    {
        byte[] raw = DataFile.ReadAll(imagesPath, missingHint);
        if (raw.Length == 0) throw DataFormatException.At(imagesPath, 0, $"expected images of {ImageBytes} bytes, but the file is empty");
        long whole = raw.Length / ImageBytes * (long)ImageBytes;
        if (whole != raw.Length)
            throw DataFormatException.At(imagesPath, whole, $"expected whole images of {ImageBytes} bytes, but {raw.Length - whole} bytes of a partial image remain (truncated file or trailing bytes)");
        int count = raw.Length / ImageBytes;

        byte[] labelBytes = DataFile.ReadAll(labelsPath, missingHint);
        if (labelBytes.Length != count)
            throw DataFormatException.At(labelsPath, Math.Min(labelBytes.Length, count),
                $"expected {count} label bytes to match the {count} images of {imagesPath}, but the file has {labelBytes.Length}");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = labelBytes[i] - 1;
            if ((uint)label >= (uint)classNames.Count)
                throw DataFormatException.At(labelsPath, i, $"expected a label in 1..{classNames.Count} (STL-10 labels are 1-based), but found {labelBytes[i]}");
            labels[i] = label;
        }

        // Transpose each plane in place in a new array: source (x, y) at x*96 + y → target y*96 + x.
        var pixels = new byte[raw.Length];
        const int plane = Side * Side;
        for (long p = 0; p < raw.Length; p += plane)
        {
            var src = raw.AsSpan((int)p, plane);
            var dst = pixels.AsSpan((int)p, plane);
            for (int x = 0; x < Side; x++)
            {
                for (int y = 0; y < Side; y++) dst[y * Side + x] = src[x * Side + y];
            }
        }
        return new ImageDataset(name, pixels, labels, 3, Side, Side, classNames);
    }
}
