namespace AutoLoRa.Data.Formats;

/// <summary>
/// Reader of the CIFAR-10 and CIFAR-100 binary versions: fixed-size records of label byte(s)
/// followed by 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each 32×32 row-major),
/// which is already CHW, so pixels are copied as they are.
/// </summary>
public static class CifarReader
{
    /// <summary>Pixel bytes per record: 3 × 32 × 32.</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>CIFAR-10 training files inside <c>cifar-10-batches-bin</c>.</summary>
    public static readonly IReadOnlyList<string> Cifar10TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>CIFAR-10 test file.</summary>
    public const string Cifar10TestFile = "test_batch.bin";

    /// <summary>CIFAR-100 training file inside <c>cifar-100-binary</c>.</summary>
    public const string Cifar100TrainFile = "train.bin";

    /// <summary>CIFAR-100 test file.</summary>
    public const string Cifar100TestFile = "test.bin";

    /// <summary>Reads CIFAR-10 records (1 label byte + 3,072 pixels) from the given files, concatenated in order.</summary>
    public static ImageDataset ReadCifar10(IReadOnlyList<string> paths, string name, IReadOnlyList<string> classNames, string missingHint = "") =>
        Read(paths, labelBytes: 1, labelIndex: 0, name, classNames, missingHint);

    /// <summary>
    /// Reads CIFAR-100 records (coarse label byte, fine label byte, 3,072 pixels); the fine label
    /// (0–99) is kept, as 100-class evaluation uses it.
    /// </summary>
    public static ImageDataset ReadCifar100(IReadOnlyList<string> paths, string name, IReadOnlyList<string> classNames, string missingHint = "") =>
        Read(paths, labelBytes: 2, labelIndex: 1, name, classNames, missingHint);

    private static ImageDataset Read(IReadOnlyList<string> paths, int labelBytes, int labelIndex, string name, IReadOnlyList<string> classNames, string missingHint)
    {
        int record = labelBytes + ImageBytes;
        var files = new List<(string Path, byte[] Data)>(paths.Count);
        long total = 0;
        foreach (string path in paths)
        {
            byte[] data = DataFile.ReadAll(path, missingHint);
            if (data.Length == 0) throw DataFormatException.At(path, 0, $"expected records of {record} bytes, but the file is empty");
            long whole = data.Length / record * (long)record;
            if (whole != data.Length)
                throw DataFormatException.At(path, whole, $"expected whole records of {record} bytes, but {data.Length - whole} bytes of a partial record remain (truncated file or trailing bytes)");
            files.Add((path, data));
            total += data.Length / record;
        }
        if (total * ImageBytes > Array.MaxLength) throw new DataFormatException($"{name}: {total} images do not fit in one array.");

        var pixels = new byte[total * ImageBytes];
        var labels = new int[total];
        int n = 0;
        foreach (var (path, data) in files)
        {
            for (int offset = 0; offset < data.Length; offset += record, n++)
            {
                // The coarse label of CIFAR-100 is checked too: a bad byte there means a bad file.
                for (int b = 0; b < labelBytes; b++)
                {
                    int limit = b == labelIndex ? classNames.Count : 20;
                    if (data[offset + b] >= limit)
                        throw DataFormatException.At(path, offset + b, $"expected a {(labelBytes == 2 ? (b == 0 ? "coarse " : "fine ") : "")}label in 0..{limit - 1}, but found {data[offset + b]} (record {offset / record})");
                }
                labels[n] = data[offset + labelIndex];
                data.AsSpan(offset + labelBytes, ImageBytes).CopyTo(pixels.AsSpan(n * ImageBytes, ImageBytes));
            }
        }
        return new ImageDataset(name, pixels, labels, 3, 32, 32, classNames);
    }
}
