using StbImageSharp;

namespace AutoLoRa.Data.Folders;

/// <summary>What to do with an image file that does not decode.</summary>
public enum CorruptImagePolicy
{
    /// <summary>Leave it out; it is listed in <see cref="ImageFolder.Skipped"/> with its path and the decoder's reason.</summary>
    Skip,

    /// <summary>Fail with a <see cref="DataFormatException"/> naming every such file.</summary>
    Fail,
}

/// <summary>How an image folder is opened.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Skip (default) or fail on files that do not decode.</summary>
    public CorruptImagePolicy CorruptImages { get; init; } = CorruptImagePolicy.Skip;

    /// <summary>Seed of the train/test split of a single class tree (unused with DIR/train and DIR/test).</summary>
    public ulong SplitSeed { get; init; }

    /// <summary>Fraction of each class held out as the test split of a single class tree.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Decoder threads for the validation pass (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Shorter side after the first resize of both transforms (the reference's 256).</summary>
    public int ResizeTo { get; init; } = 256;

    /// <summary>Side of the square images served (the reference's 224): the random crop's output in training, the centre crop's in evaluation.</summary>
    public int CropTo { get; init; } = 224;

    /// <summary>
    /// Largest image decoded, in pixels; a larger one counts as corrupt. A small compressed file can
    /// claim an enormous image (a 0.7 MB PNG of 15000×15000 decodes to 675 MB), and the decoder
    /// allocates what the header claims before it finds out.
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>The default <see cref="MaxPixels"/>: 40 megapixels, above any photo a training set needs (a 8000×5000 image), 120 MB decoded.</summary>
    public const long DefaultMaxPixels = 40_000_000;
}

/// <summary>
/// A labelled image set read from a folder with one sub-folder per class (sorted by name, as
/// torchvision's ImageFolder does), JPEG/PNG/BMP files decoded by StbImageSharp. The split
/// layout is DIR/train/&lt;class&gt;/… with DIR/test/&lt;class&gt;/… (or DIR/val); a folder with
/// only DIR/&lt;class&gt;/… is split per class by a seeded shuffle, <see cref="ImageFolderOptions.TestFraction"/>
/// of each class going to test. As an <see cref="IImageSet"/> it serves 3×<see cref="ImageFolderOptions.CropTo"/>²
/// images: the reference's training transform with an augmentation, its test transform without.
/// </summary>
/// <remarks>
/// The encoded file bytes are kept in memory, not decoded pixels: a JPEG is typically 5–10×
/// smaller than its decoded 256-pixel RGB copy and 20× smaller than a 224² float copy, so
/// thousands of images cost little, and epochs need no file I/O. Each image is decoded once on
/// opening to find corrupt files up front (so skipping one never changes batch shapes or the
/// seeded order mid-run), then again per batch by <see cref="ImageFolderLoader"/>.
/// </remarks>
public sealed class ImageFolder : IImageSet
{
    /// <summary>File extensions read (case-insensitive); other files are ignored.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    private readonly byte[][] _encoded;

    private ImageFolder(string name, string[] paths, byte[][] encoded, int[] labels, IReadOnlyList<string> classNames,
        IReadOnlyList<(string Path, string Reason)> skipped, int resizeTo, int cropTo)
    {
        (Name, Paths, _encoded, Labels) = (name, paths, encoded, labels);
        (ClassNames, Skipped, ResizeTo, CropTo) = (classNames, skipped, resizeTo, cropTo);
    }

    /// <summary>E.g. <c>folder:/data/pets/train</c>.</summary>
    public string Name { get; }

    /// <summary>Each sample's file.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Each sample's class index.</summary>
    public int[] Labels { get; }

    /// <summary>Class folder names; index = label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Files left out because they did not decode, with the reason.</summary>
    public IReadOnlyList<(string Path, string Reason)> Skipped { get; }

    /// <summary>Shorter side after the first resize of the transforms.</summary>
    public int ResizeTo { get; }

    /// <summary>Side of the square images served.</summary>
    public int CropTo { get; }

    /// <summary>Served images are RGB.</summary>
    public int Channels => 3;

    /// <summary>Height of a served image (<see cref="CropTo"/>).</summary>
    public int Height => CropTo;

    /// <summary>Width of a served image (<see cref="CropTo"/>).</summary>
    public int Width => CropTo;

    /// <summary>The reference's training transform at this folder's sizes (RandomResizedCrop, flip).</summary>
    public ImageFolderTransform TrainTransform => new() { Random = true, ResizeTo = ResizeTo, CropTo = CropTo };

    /// <summary>The reference's test transform at this folder's sizes (Resize, CenterCrop).</summary>
    public ImageFolderTransform TestTransform => new() { Random = false, ResizeTo = ResizeTo, CropTo = CropTo };

    /// <summary>Bytes of encoded images held.</summary>
    public long EncodedBytes => _encoded.Sum(e => (long)e.Length);

    /// <summary>Opens the training or test split of <paramref name="root"/> (see the class summary for the layouts).</summary>
    /// <exception cref="DataFormatException">No such folder, no classes or images, or a corrupt file under <see cref="CorruptImagePolicy.Fail"/>.</exception>
    public static ImageFolder Open(string root, bool train, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.CropTo < 1 || options.ResizeTo < options.CropTo)
            throw new DataFormatException($"Image folder sizes: resize to {options.ResizeTo} then crop to {options.CropTo} needs 1 ≤ crop ≤ resize.");
        if (!Directory.Exists(root)) throw new DataFormatException($"{root}: directory not found for --data folder:{root}. {LayoutHint}");
        string split = train ? "train" : "test";
        string trainDir = Path.Combine(root, "train");
        List<(string Path, int Label)> files;
        IReadOnlyList<string> classes;
        if (Directory.Exists(trainDir))
        {
            classes = ClassFolders(trainDir);
            string? dir = train ? trainDir : new[] { "test", "val" }.Select(d => Path.Combine(root, d)).FirstOrDefault(Directory.Exists);
            if (dir is null) throw new DataFormatException($"{root}: has a train/ folder but no test/ or val/ folder. {LayoutHint}");
            var own = ClassFolders(dir);
            var unknown = own.Except(classes, StringComparer.Ordinal).ToList();
            if (unknown.Count > 0) throw new DataFormatException($"{dir}: classes {string.Join(", ", unknown)} are not in {trainDir}.");
            files = [.. own.SelectMany(c => List(Path.Combine(dir, c), IndexOf(classes, c)))];
        }
        else
        {
            classes = ClassFolders(root);
            files = SplitTree(root, classes, train, options);
        }
        if (files.Count == 0) throw new DataFormatException($"{root}: no {string.Join("/", Extensions)} images for the {split} split. {LayoutHint}");
        return Load($"folder:{root}/{split}", files, classes, options);
    }

    /// <summary>Where the files go; part of every layout error.</summary>
    public const string LayoutHint =
        "Expected DIR/train/<class>/*.jpg|png and DIR/test/<class>/… (or DIR/val), or DIR/<class>/… split per class by a seeded shuffle.";

    /// <summary>
    /// The samples at <paramref name="indices"/> with new labels and classes; the encoded bytes are
    /// shared, not copied. The corrupt files skipped on opening stay listed.
    /// </summary>
    public ImageFolder Subset(ReadOnlySpan<int> indices, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string name)
    {
        if (labels.Length != indices.Length) throw new ArgumentException($"{name}: {labels.Length} labels for {indices.Length} samples.");
        var paths = new string[indices.Length];
        var encoded = new byte[indices.Length][];
        for (int i = 0; i < indices.Length; i++)
        {
            paths[i] = Paths[indices[i]];
            encoded[i] = _encoded[indices[i]];
            if ((uint)labels[i] >= (uint)classNames.Count) throw new ArgumentException($"{name}: label {labels[i]} of sample {i} is outside [0, {classNames.Count}).");
        }
        return new ImageFolder(name, paths, encoded, labels.ToArray(), classNames, Skipped, ResizeTo, CropTo);
    }

    /// <summary>
    /// An <see cref="ImageFolderLoader"/>: the training transform when <paramref name="augmentation"/>
    /// is given (its flip setting is kept, its crop padding does not apply), the test transform otherwise.
    /// </summary>
    public ImageFolderLoader CreateLoader(int batchSize, EpochOrdering ordering, Augmentation? augmentation = null) =>
        new(this, batchSize, new ImageFolderLoaderOptions
        {
            Ordering = ordering,
            Transform = augmentation is null ? TestTransform : TrainTransform with { HorizontalFlip = augmentation.HorizontalFlip },
        });

    IReadOnlyList<int> IImageSet.Labels => Labels;

    IImageSet IImageSet.Subset(ReadOnlySpan<int> indices, ReadOnlySpan<int> labels, IReadOnlyList<string> classNames, string name) =>
        Subset(indices, labels, classNames, name);

    EpochLoader IImageSet.CreateLoader(int batchSize, EpochOrdering ordering, Augmentation? augmentation) =>
        CreateLoader(batchSize, ordering, augmentation);

    /// <summary>Decodes sample <paramref name="index"/> to RGB.</summary>
    /// <exception cref="DataFormatException">The file does not decode (its path is in the message).</exception>
    /// <remarks>No pixel limit: opening the folder decoded every kept file under its options' limit.</remarks>
    public RgbImage Decode(int index) => Decode(_encoded[index], Paths[index], long.MaxValue);

    /// <summary>Decodes encoded image bytes to 8-bit RGB (grey and RGBA images are converted).</summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="maxPixels">Refuse images with more pixels (read from the header, before decoding).</param>
    public static RgbImage Decode(byte[] encoded, string path, long maxPixels = ImageFolderOptions.DefaultMaxPixels)
    {
        if (JpegProblem(encoded) is { } problem) throw new DataFormatException($"{path}: not a readable image ({problem}).");
        if (ImageInfo.FromStream(new MemoryStream(encoded, writable: false)) is { } info && (long)info.Width * info.Height > maxPixels)
        {
            throw new DataFormatException(
                $"{path}: {info.Width}×{info.Height} is {(long)info.Width * info.Height:N0} pixels, more than the limit of {maxPixels:N0}; raise it with --max-image-pixels if the image is meant to be this large.");
        }
        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(encoded, ColorComponents.RedGreenBlue);
        }
        catch (Exception e)
        {
            throw new DataFormatException($"{path}: not a readable image ({e.Message}).", e);
        }
        if (result is null || result.Data is null || result.Width <= 0 || result.Height <= 0)
            throw new DataFormatException($"{path}: not a readable image (the decoder returned nothing).");
        return new RgbImage(result.Data, result.Width, result.Height);
    }

    /// <summary>
    /// Checks a JPEG's marker structure before decoding: StbImageSharp 2.30.16 loops forever on a
    /// header segment that runs past the end of the file, and silently pads a file cut short in its
    /// image data with grey. Like PIL's default, a JPEG without an end-of-image marker after its
    /// scan is treated as truncated. Null when the bytes are fine or not a JPEG.
    /// </summary>
    internal static string? JpegProblem(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8) return null;
        int pos = 2;
        while (true)
        {
            if (pos >= data.Length) return "truncated JPEG: the file ends inside its header";
            if (data[pos] != 0xFF) return $"damaged JPEG: no marker at byte {pos}";
            while (pos < data.Length && data[pos] == 0xFF) pos++;
            if (pos >= data.Length) return "truncated JPEG: the file ends inside its header";
            byte marker = data[pos++];
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue;
            if (marker == 0xD9) return "damaged JPEG: end-of-image marker before any image data";
            if (pos + 2 > data.Length) return "truncated JPEG: the file ends inside its header";
            int length = (data[pos] << 8) | data[pos + 1];
            if (length < 2 || pos + length > data.Length) return $"truncated JPEG: a header segment at byte {pos - 2} runs past the end of the file";
            pos += length;
            if (marker == 0xDA) break;
        }
        // Scan data follows; the file must still hold the end-of-image marker.
        return data[pos..].IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]) >= 0 ? null : "truncated JPEG: no end-of-image marker after the image data";
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Count} images, {ClassCount} classes{(Skipped.Count > 0 ? $", {Skipped.Count} corrupt skipped" : "")}";

    private static ImageFolder Load(string name, List<(string Path, int Label)> files, IReadOnlyList<string> classes, ImageFolderOptions options)
    {
        var encoded = new byte[files.Count][];
        var errors = new string?[files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads > 0 ? options.Threads : Environment.ProcessorCount };
        Parallel.For(0, files.Count, parallel, i =>
        {
            try
            {
                encoded[i] = File.ReadAllBytes(files[i].Path);
                Decode(encoded[i], files[i].Path, options.MaxPixels);
            }
            catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
            {
                errors[i] = e is DataFormatException ? e.Message : $"{files[i].Path}: {e.Message}";
            }
        });
        var bad = Enumerable.Range(0, files.Count).Where(i => errors[i] is not null).ToList();
        if (bad.Count > 0 && options.CorruptImages == CorruptImagePolicy.Fail)
        {
            throw new DataFormatException($"{name}: {bad.Count} image(s) do not decode:\n  " + string.Join("\n  ", bad.Take(20).Select(i => errors[i]))
                + (bad.Count > 20 ? $"\n  … ({bad.Count - 20} more)" : "") + "\n  (leave them out with --corrupt-images skip)");
        }
        var keep = Enumerable.Range(0, files.Count).Where(i => errors[i] is null).ToArray();
        if (keep.Length == 0) throw new DataFormatException($"{name}: none of the {files.Count} images decode; the first: {errors[0]}");
        return new ImageFolder(name, [.. keep.Select(i => files[i].Path)], [.. keep.Select(i => encoded[i])], [.. keep.Select(i => files[i].Label)],
            classes, [.. bad.Select(i => (files[i].Path, errors[i]!))], options.ResizeTo, options.CropTo);
    }

    private static List<(string, int)> SplitTree(string root, IReadOnlyList<string> classes, bool train, ImageFolderOptions options)
    {
        if (options.TestFraction is <= 0 or >= 1) throw new DataFormatException($"The test fraction of a single class tree must be in (0, 1) (got {options.TestFraction}).");
        var files = new List<(string, int)>();
        for (int c = 0; c < classes.Count; c++)
        {
            var all = List(Path.Combine(root, classes[c]), c).ToArray();
            var order = Enumerable.Range(0, all.Length).ToArray();
            var rng = SeededRandom.For(options.SplitSeed, 0x1F01D, c);
            rng.Shuffle(order);
            int test = (int)Math.Round(all.Length * options.TestFraction);
            // Each split keeps dataset (path) order; only membership is random.
            var chosen = (train ? order[test..] : order[..test]).Order();
            files.AddRange(chosen.Select(i => all[i]));
        }
        return files;
    }

    private static IReadOnlyList<string> ClassFolders(string dir)
    {
        var names = Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) throw new DataFormatException($"{dir}: no class sub-folders. {LayoutHint}");
        return names;
    }

    private static IEnumerable<(string, int)> List(string dir, int label) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, label));

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == name) return i;
        }
        return -1;
    }
}
