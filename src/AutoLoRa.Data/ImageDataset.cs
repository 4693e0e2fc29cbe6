namespace AutoLoRa.Data;

/// <summary>
/// A labelled image set held in memory as bytes, NCHW. Bytes rather than floats because a
/// float copy of CIFAR-10's training set is 600 MB against 150 MB; samples are converted to
/// [0,1] floats only when a batch is assembled.
/// </summary>
public sealed class ImageDataset : IImageSet
{
    // Division by 255 done once per byte value; the batch path is a table look-up.
    private static readonly float[] ByteToUnit = BuildTable();

    /// <summary>Wraps arrays that the dataset takes ownership of (no copy).</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a label is outside [0, classCount).</exception>
    public ImageDataset(string name, byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentException($"Dataset {name}: image size {channels}x{height}x{width} is not positive.");
        if (classNames.Count == 0) throw new ArgumentException($"Dataset {name}: no classes.");
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"Dataset {name}: {pixels.LongLength} pixel bytes for {labels.Length} images of {channels}x{height}x{width} (expected {expected}).");
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"Dataset {name}: label {labels[i]} of sample {i} is outside [0, {classNames.Count}).");
        }
        (Name, Pixels, Labels, ClassNames) = (name, pixels, labels, [.. classNames]);
        (Channels, Height, Width) = (channels, height, width);
    }

    /// <summary>A short description of the source, e.g. <c>fashion-mnist/test</c>.</summary>
    public string Name { get; }

    /// <summary>All pixels, sample-major then channel, row, column; values 0–255.</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each sample, in [0, <see cref="ClassCount"/>).</summary>
    public int[] Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Channels per image (1 for MNIST, 3 for CIFAR/STL).</summary>
    public int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Values per image: channels × height × width.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>Number of classes (the length of <see cref="ClassNames"/>).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Human-readable name of each class; index = label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The bytes of one sample, CHW.</summary>
    public ReadOnlySpan<byte> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * SampleSize, SampleSize);
    }

    /// <summary>
    /// Writes the samples at <paramref name="indices"/> as floats in [0,1], NCHW, into
    /// <paramref name="destination"/> (at least indices.Length × <see cref="SampleSize"/> long),
    /// and their labels into <paramref name="labels"/> when given.
    /// </summary>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> destination, Span<int> labels = default)
    {
        int size = SampleSize;
        if (destination.Length < (long)indices.Length * size)
            throw new ArgumentException($"Destination holds {destination.Length} floats; {indices.Length} samples need {(long)indices.Length * size}.");
        if (!labels.IsEmpty && labels.Length < indices.Length)
            throw new ArgumentException($"Label destination holds {labels.Length}; {indices.Length} needed.");
        for (int i = 0; i < indices.Length; i++)
        {
            ToUnit(Sample(indices[i]), destination.Slice(i * size, size));
            if (!labels.IsEmpty) labels[i] = Labels[indices[i]];
        }
    }

    /// <summary>The samples at <paramref name="indices"/> as a new dataset (pixels copied), same classes.</summary>
    public ImageDataset Select(ReadOnlySpan<int> indices, string? name = null)
    {
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) labels[i] = Labels[indices[i]];
        return Subset(indices, labels, ClassNames, name ?? Name);
    }

    /// <summary>The samples at <paramref name="indices"/> (pixels copied) with new labels and classes.</summary>
    /// <exception cref="ArgumentException">The label count differs from the index count, or a label is outside the classes.</exception>
    public ImageDataset Subset(ReadOnlySpan<int> indices, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string name)
    {
        if (labels.Length != indices.Length) throw new ArgumentException($"Dataset {name}: {labels.Length} labels for {indices.Length} samples.");
        int size = SampleSize;
        var pixels = new byte[(long)indices.Length * size];
        for (int i = 0; i < indices.Length; i++) Sample(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
        return new ImageDataset(name, pixels, labels.ToArray(), Channels, Height, Width, classNames);
    }

    /// <summary>
    /// A <see cref="BatchLoader"/> over this dataset; <paramref name="augmentation"/> (random crop with
    /// padding, flip) is applied when it changes anything.
    /// </summary>
    public BatchLoader CreateLoader(int batchSize, EpochOrdering ordering, Augmentation? augmentation = null) =>
        new(this, batchSize, new BatchLoaderOptions
        {
            Ordering = ordering,
            Transform = augmentation is { CropPadding: > 0 } or { HorizontalFlip: true } ? augmentation : null,
        });

    IReadOnlyList<int> IImageSet.Labels => Labels;

    IImageSet IImageSet.Subset(ReadOnlySpan<int> indices, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string name) =>
        Subset(indices, labels, classNames, name);

    EpochLoader IImageSet.CreateLoader(int batchSize, EpochOrdering ordering, Augmentation? augmentation) =>
        CreateLoader(batchSize, ordering, augmentation);

    /// <summary>Converts bytes to [0,1] floats (torchvision ToTensor: divide by 255).</summary>
    internal static void ToUnit(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var table = ByteToUnit;
        for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }

    /// <summary>The float value of one pixel byte.</summary>
    internal static float ToUnit(byte value) => ByteToUnit[value];

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Count} images {Channels}x{Height}x{Width}, {ClassCount} classes";

    private static float[] BuildTable()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = i / 255f;
        return t;
    }
}
