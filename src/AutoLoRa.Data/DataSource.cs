using AutoLoRa.Data.Formats;

namespace AutoLoRa.Data;

/// <summary>The dataset families the loaders understand.</summary>
public enum DataKind
{
    /// <summary>Fashion-MNIST (IDX, 28×28 grey, 10 classes).</summary>
    FashionMnist,

    /// <summary>MNIST (IDX, 28×28 grey, 10 classes).</summary>
    Mnist,

    /// <summary>CIFAR-10 binary version (32×32 RGB, 10 classes).</summary>
    Cifar10,

    /// <summary>CIFAR-100 binary version (32×32 RGB, 100 fine classes).</summary>
    Cifar100,

    /// <summary>STL-10 binary version (96×96 RGB, 10 classes).</summary>
    Stl10,

    /// <summary>A folder of JPEG/PNG images, one sub-folder per class (<see cref="Folders.ImageFolder"/>).</summary>
    Folder,
}

/// <summary>
/// A parsed <c>--data</c> value: <c>fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR |
/// cifar100:DIR | stl10:DIR | folder:DIR</c>. Only Fashion-MNIST has a default directory, the one the
/// <c>dataset-fashion-mnist</c> package installs.
/// </summary>
public sealed record DataSource(DataKind Kind, string Directory)
{
    /// <summary>Where <c>sudo apt-get install -y dataset-fashion-mnist</c> puts the files.</summary>
    public const string DefaultFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly (string Name, DataKind Kind)[] KindNames =
    [
        ("fashion-mnist", DataKind.FashionMnist), ("mnist", DataKind.Mnist), ("cifar10", DataKind.Cifar10),
        ("cifar100", DataKind.Cifar100), ("stl10", DataKind.Stl10), ("folder", DataKind.Folder),
    ];

    /// <summary>The spellings accepted before the colon.</summary>
    public static IReadOnlyList<string> ValidKinds { get; } = [.. KindNames.Select(k => k.Name)];

    /// <summary>The kind as written in a spec.</summary>
    public string KindName => KindNames.First(k => k.Kind == Kind).Name;

    /// <summary>Padding of the standard random-crop augmentation for this family (4 for 32×32, 2 for 28×28, 12 for 96×96).</summary>
    public int DefaultCropPadding => Kind switch
    {
        DataKind.FashionMnist or DataKind.Mnist => 2,
        DataKind.Stl10 => 12,
        _ => 4,
    };

    /// <summary>Parses a spec; the directory is everything after the first colon (so Windows paths work).</summary>
    /// <exception cref="DataFormatException">Unknown kind (the message lists the valid ones) or a missing directory.</exception>
    public static DataSource Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':');
        string kindText = (colon < 0 ? spec : spec[..colon]).Trim().ToLowerInvariant();
        string dir = colon < 0 ? "" : spec[(colon + 1)..].Trim();
        var match = KindNames.Where(k => k.Name == kindText).ToArray();
        if (match.Length == 0)
            throw new DataFormatException($"--data {spec}: unknown dataset kind '{kindText}'; expected one of {string.Join(", ", ValidKinds)} (written KIND:DIR, e.g. cifar10:/data/cifar-10-batches-bin).");
        var kind = match[0].Kind;
        if (dir.Length == 0)
        {
            if (kind != DataKind.FashionMnist)
                throw new DataFormatException($"--data {spec}: {kindText} needs a directory, written {kindText}:DIR. {MissingHint(kind)}");
            dir = DefaultFashionMnistDirectory;
        }
        return new DataSource(kind, dir);
    }

    /// <summary>Loads the training and test splits.</summary>
    /// <exception cref="DataFormatException">Files are missing (with how to get them) or malformed.</exception>
    public (ImageDataset Train, ImageDataset Test) Load() => (LoadTrain(), LoadTest());

    /// <summary>Loads the training split.</summary>
    public ImageDataset LoadTrain() => LoadSplit(train: true);

    /// <summary>Loads the test split.</summary>
    public ImageDataset LoadTest() => LoadSplit(train: false);

    /// <summary>How to obtain the files of a dataset family; part of every missing-file message.</summary>
    public static string MissingHint(DataKind kind) => kind switch
    {
        DataKind.FashionMnist =>
            $"Install it with `sudo apt-get install -y dataset-fashion-mnist` (files go to {DefaultFashionMnistDirectory}), or pass fashion-mnist:DIR for a directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.",
        DataKind.Mnist =>
            "Pass mnist:DIR for a directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz) from the MNIST distribution.",
        DataKind.Cifar10 =>
            "Download the binary version cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, extract it and pass cifar10:DIR for its cifar-10-batches-bin directory (data_batch_1.bin … data_batch_5.bin, test_batch.bin).",
        DataKind.Cifar100 =>
            "Download the binary version cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, extract it and pass cifar100:DIR for its cifar-100-binary directory (train.bin, test.bin).",
        DataKind.Stl10 =>
            "Download stl10_binary.tar.gz from https://cs.stanford.edu/~acoates/stl10/, extract it and pass stl10:DIR for its stl10_binary directory (train_X.bin, train_y.bin, test_X.bin, test_y.bin).",
        DataKind.Folder => "Pass folder:DIR. " + Folders.ImageFolder.LayoutHint,
        _ => "",
    };

    /// <summary>
    /// The training or test split as the verbs consume it: an in-memory <see cref="ImageDataset"/>,
    /// or for <c>folder:DIR</c> an <see cref="Folders.ImageFolder"/> decoded per batch (opened with
    /// <paramref name="folderOptions"/>).
    /// </summary>
    public IImageSet Open(bool train, Folders.ImageFolderOptions? folderOptions = null) =>
        Kind == DataKind.Folder ? OpenFolder(train, folderOptions) : LoadSplit(train);

    /// <summary>
    /// Opens a split of a <c>folder:DIR</c> source. Folder images have their own sizes, so they are
    /// kept encoded and decoded per batch by <see cref="Folders.ImageFolderLoader"/> instead of
    /// being loaded as an <see cref="ImageDataset"/>.
    /// </summary>
    public Folders.ImageFolder OpenFolder(bool train, Folders.ImageFolderOptions? options = null)
    {
        if (Kind != DataKind.Folder) throw new DataFormatException($"--data {this} is not a folder source.");
        return Folders.ImageFolder.Open(Directory, train, options);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{KindName}:{Directory}";

    private ImageDataset LoadSplit(bool train)
    {
        string hint = MissingHint(Kind);
        if (!System.IO.Directory.Exists(Directory)) throw new DataFormatException($"{Directory}: directory not found for --data {this}. {hint}");
        string split = train ? "train" : "test";
        string name = $"{KindName}/{split}";
        switch (Kind)
        {
            case DataKind.FashionMnist:
            case DataKind.Mnist:
                string prefix = train ? "train" : "t10k";
                return IdxReader.Read(
                    IdxPath($"{prefix}-images-idx3-ubyte"), IdxPath($"{prefix}-labels-idx1-ubyte"), name,
                    Kind == DataKind.Mnist ? ClassNames.Mnist : ClassNames.FashionMnist, hint);
            case DataKind.Cifar10:
            {
                string dir = Nested("cifar-10-batches-bin", "data_batch_1.bin");
                var files = train ? CifarReader.Cifar10TrainFiles : [CifarReader.Cifar10TestFile];
                return CifarReader.ReadCifar10([.. files.Select(f => Path.Combine(dir, f))], name, ClassNames.Cifar10, hint);
            }
            case DataKind.Cifar100:
            {
                string dir = Nested("cifar-100-binary", CifarReader.Cifar100TrainFile);
                var names = ClassNames.FromFileOrNumbered(Path.Combine(dir, "fine_label_names.txt"), 100);
                string file = train ? CifarReader.Cifar100TrainFile : CifarReader.Cifar100TestFile;
                return CifarReader.ReadCifar100([Path.Combine(dir, file)], name, names, hint);
            }
            case DataKind.Folder:
                throw new DataFormatException(
                    $"--data {this}: image folders are decoded per batch (224×224 after the reference transforms), not loaded into memory; open them with {nameof(Open)} or {nameof(OpenFolder)}.");
            case DataKind.Stl10:
            {
                string dir = Nested("stl10_binary", "train_X.bin");
                return Stl10Reader.Read(Path.Combine(dir, $"{split}_X.bin"), Path.Combine(dir, $"{split}_y.bin"), name, ClassNames.Stl10, hint);
            }
            default:
                throw new DataFormatException($"--data {this}: no reader for {Kind}.");
        }
    }

    /// <summary>The raw file if present, else the .gz (whose name is reported when neither exists).</summary>
    private string IdxPath(string file)
    {
        string raw = Path.Combine(Directory, file);
        return File.Exists(raw) ? raw : raw + ".gz";
    }

    /// <summary>Accepts the archive's parent folder as well as the extracted folder itself.</summary>
    private string Nested(string extractedName, string probeFile)
    {
        string inner = Path.Combine(Directory, extractedName);
        return !File.Exists(Path.Combine(Directory, probeFile)) && File.Exists(Path.Combine(inner, probeFile)) ? inner : Directory;
    }
}
