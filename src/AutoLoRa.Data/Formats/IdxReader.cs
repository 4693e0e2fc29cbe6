namespace AutoLoRa.Data.Formats;

/// <summary>
/// Reader of the IDX format of MNIST and Fashion-MNIST: a big-endian header (magic 0x00000803
/// for uint8 images with three dimensions, 0x00000801 for uint8 labels with one), then the data
/// in C order. Files may be gzipped or raw. The header is read first and the sizes it claims are
/// checked against what the file can hold before anything is allocated; the data is then read
/// straight into its array, so peak memory is the dataset itself.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of a uint8 tensor with three dimensions (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of a uint8 tensor with one dimension (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>
    /// Reads an image file and its label file into a one-channel dataset.
    /// </summary>
    /// <param name="imagesPath">An <c>*-images-idx3-ubyte[.gz]</c> file.</param>
    /// <param name="labelsPath">The matching <c>*-labels-idx1-ubyte[.gz]</c> file.</param>
    /// <param name="name">Dataset name for messages.</param>
    /// <param name="classNames">Class names; labels must lie in [0, classNames.Count).</param>
    /// <param name="missingHint">Appended to the message when a file does not exist.</param>
    /// <exception cref="DataFormatException">A file is missing or malformed, or the counts differ.</exception>
    public static ImageDataset Read(string imagesPath, string labelsPath, string name, IReadOnlyList<string> classNames, string missingHint = "")
    {
        var (pixels, count, rows, cols) = ReadImages(imagesPath, missingHint);
        var labels = ReadLabels(labelsPath, classNames.Count, missingHint);
        if (labels.Length != count)
            throw new DataFormatException($"{labelsPath}: at byte offset 4: expected {count} labels to match the {count} images of {imagesPath}, but the header says {labels.Length}.");
        return new ImageDataset(name, pixels, labels, 1, rows, cols, classNames);
    }

    /// <summary>Reads an IDX image file: pixels (count × rows × cols bytes), count, rows, cols.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path, string missingHint = "")
    {
        using var file = DataFile.Open(path, missingHint);
        const int header = 16;
        var head = ReadHeader(file, header, ImagesMagic, "images (uint8, 3 dimensions)");
        uint count = DataFile.ReadUInt32BigEndian(path, head, 4, "image count");
        uint rows = DataFile.ReadUInt32BigEndian(path, head, 8, "row count");
        uint cols = DataFile.ReadUInt32BigEndian(path, head, 12, "column count");
        if (count == 0) throw DataFormatException.At(path, 4, "expected at least one image, but the count is 0");
        if (rows == 0 || rows > 65536) throw DataFormatException.At(path, 8, $"expected a row count in 1..65536, but found {rows}");
        if (cols == 0 || cols > 65536) throw DataFormatException.At(path, 12, $"expected a column count in 1..65536, but found {cols}");
        // Wide arithmetic: count × rows × cols of a hostile header overflows 64 bits.
        var pixels = ReadPayload(file, (UInt128)count * rows * cols, $"{count} images of {rows}x{cols} pixels");
        return (pixels, (int)count, (int)rows, (int)cols);
    }

    /// <summary>Reads an IDX label file; every label must be below <paramref name="classCount"/>.</summary>
    public static int[] ReadLabels(string path, int classCount, string missingHint = "")
    {
        using var file = DataFile.Open(path, missingHint);
        const int header = 8;
        var head = ReadHeader(file, header, LabelsMagic, "labels (uint8, 1 dimension)");
        uint count = DataFile.ReadUInt32BigEndian(path, head, 4, "label count");
        if (count == 0) throw DataFormatException.At(path, 4, "expected at least one label, but the count is 0");
        var data = ReadPayload(file, count, $"{count} labels");
        var labels = new int[count];
        for (int i = 0; i < labels.Length; i++)
        {
            byte label = data[i];
            if (label >= classCount) throw DataFormatException.At(path, header + i, $"expected a label in 0..{classCount - 1}, but found {label}");
            labels[i] = label;
        }
        return labels;
    }

    /// <summary>Up to <paramref name="length"/> header bytes (fewer when the file is shorter), after checking the magic number they start with.</summary>
    private static byte[] ReadHeader(DataStream file, int length, uint expected, string what)
    {
        var head = new byte[length];
        // A file shorter than its header gets the field-by-field messages of ReadUInt32BigEndian.
        var present = head.AsSpan(0, file.Read(head));
        uint magic = DataFile.ReadUInt32BigEndian(file.Path, present, 0, "IDX magic number");
        if (magic != expected)
            throw DataFormatException.At(file.Path, 0, $"expected IDX magic 0x{expected:X8} for {what}, but found 0x{magic:X8} (is this the right file, and is it IDX?)");
        return present.ToArray();
    }

    /// <summary>
    /// The payload after the header, which must be exactly what the header claims: checked against
    /// what the file can hold before allocating, then read, then no trailing bytes may follow.
    /// </summary>
    private static byte[] ReadPayload(DataStream file, UInt128 payload, string claim)
    {
        long header = file.Position;
        if (payload > (UInt128)Array.MaxLength)
            throw DataFormatException.At(file.Path, 4, $"expected {claim} ({payload:N0} bytes), more than one array can hold (wrong header)");
        file.RequireRoomFor(payload, 4, claim);
        var data = new byte[(int)payload];
        file.ReadExactly(data, claim);
        long rest = file.CountRest();
        if (rest > 0)
            throw DataFormatException.At(file.Path, header + (long)payload, $"{(file.IsGzip ? "(decompressed) " : "")}expected the file to end after {claim}, but {rest} trailing bytes follow");
        return data;
    }
}
