using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class DataSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Fashion_mnist_defaults_to_the_package_directory()
    {
        Assert.Equal(new DataSource(DataKind.FashionMnist, DataSource.DefaultFashionMnistDirectory), DataSource.Parse("fashion-mnist"));
        Assert.Equal(new DataSource(DataKind.Cifar10, "/data/c10"), DataSource.Parse("cifar10:/data/c10"));
        Assert.Equal(new DataSource(DataKind.Stl10, @"C:\data\stl"), DataSource.Parse(@"STL10:C:\data\stl"));
    }

    [Fact]
    public void Unknown_kind_lists_the_valid_ones()
    {
        Throws.DataError(() => DataSource.Parse("imagenet:/x"), "imagenet", "fashion-mnist", "mnist", "cifar10", "cifar100", "stl10");
    }

    [Fact]
    public void Kinds_other_than_fashion_mnist_need_a_directory()
    {
        Throws.DataError(() => DataSource.Parse("cifar10"), "cifar10:DIR", "cifar-10-binary.tar.gz");
    }

    [Fact]
    public void Missing_directory_explains_how_to_install()
    {
        var source = DataSource.Parse("fashion-mnist:" + _dir.File("absent"));
        Throws.DataError(() => source.LoadTest(), "absent", "sudo apt-get install -y dataset-fashion-mnist");
    }

    [Fact]
    public void Missing_file_names_the_gz_file_and_the_install_command()
    {
        var source = DataSource.Parse("fashion-mnist:" + _dir.Path);
        Throws.DataError(() => source.LoadTrain(), "train-images-idx3-ubyte.gz", "apt-get install -y dataset-fashion-mnist");
    }

    [Fact]
    public void Mnist_directory_with_raw_files_loads_both_splits()
    {
        File.WriteAllBytes(_dir.File("train-images-idx3-ubyte"), DataFiles.IdxImages(2, 28, 28));
        File.WriteAllBytes(_dir.File("train-labels-idx1-ubyte"), DataFiles.IdxLabels(5, 6));
        File.WriteAllBytes(_dir.File("t10k-images-idx3-ubyte.gz"), DataFiles.Gzip(DataFiles.IdxImages(1, 28, 28)));
        File.WriteAllBytes(_dir.File("t10k-labels-idx1-ubyte.gz"), DataFiles.Gzip(DataFiles.IdxLabels(7)));
        var (train, test) = DataSource.Parse("mnist:" + _dir.Path).Load();
        Assert.Equal([5, 6], train.Labels);
        Assert.Equal([7], test.Labels);
        Assert.Equal("mnist/test", test.Name);
    }

    [Fact]
    public void Cifar10_accepts_the_parent_of_the_extracted_folder()
    {
        string inner = Directory.CreateDirectory(_dir.File("cifar-10-batches-bin")).FullName;
        for (int i = 1; i <= 5; i++) File.WriteAllBytes(Path.Combine(inner, $"data_batch_{i}.bin"), DataFiles.CifarRecords(i, [(byte)i]));
        File.WriteAllBytes(Path.Combine(inner, "test_batch.bin"), DataFiles.CifarRecords(0, [0], [9]));
        var (train, test) = DataSource.Parse("cifar10:" + _dir.Path).Load();
        Assert.Equal([1, 2, 3, 4, 5], train.Labels);
        Assert.Equal([0, 9], test.Labels);
        Assert.Equal("truck", test.ClassNames[9]);
    }

    [Fact]
    public void Cifar100_reads_fine_label_names_when_present()
    {
        File.WriteAllBytes(_dir.File("train.bin"), DataFiles.CifarRecords(0, [1, 2]));
        File.WriteAllBytes(_dir.File("test.bin"), DataFiles.CifarRecords(0, [3, 4]));
        File.WriteAllLines(_dir.File("fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"name{i}"));
        var (train, test) = DataSource.Parse("cifar100:" + _dir.Path).Load();
        Assert.Equal(100, train.ClassCount);
        Assert.Equal([4], test.Labels);
        Assert.Equal("name4", test.ClassNames[4]);
    }

    [Fact]
    public void Stl10_directory_loads()
    {
        File.WriteAllBytes(_dir.File("train_X.bin"), DataFiles.Stl10Images(1));
        File.WriteAllBytes(_dir.File("train_y.bin"), [2]);
        File.WriteAllBytes(_dir.File("test_X.bin"), DataFiles.Stl10Images(1));
        File.WriteAllBytes(_dir.File("test_y.bin"), [8]);
        var (train, test) = DataSource.Parse("stl10:" + _dir.Path).Load();
        Assert.Equal("bird", train.ClassNames[train.Labels[0]]);
        Assert.Equal("monkey", test.ClassNames[test.Labels[0]]);
    }

    [Fact]
    public void Real_fashion_mnist_test_split()
    {
        // Installed by `sudo apt-get install -y dataset-fashion-mnist`; if absent the loader's own message says so.
        ImageDataset test;
        try
        {
            test = DataSource.Parse("fashion-mnist").LoadTest();
        }
        catch (DataFormatException e)
        {
            Assert.Fail("Fashion-MNIST is needed by this test and could not be read: " + e.Message);
            return;
        }
        Assert.Equal((10_000, 1, 28, 28), (test.Count, test.Channels, test.Height, test.Width));
        Assert.Equal(9, test.Labels[0]);
        Assert.Equal("Ankle boot", test.ClassNames[test.Labels[0]]);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.Count(l => l == c)));
    }
}
