using AutoLoRa.Data.Formats;
using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class CifarReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, byte[] data)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, data);
        return path;
    }

    [Fact]
    public void Cifar10_concatenates_files_and_keeps_chw_layout()
    {
        string a = Write("data_batch_1.bin", DataFiles.CifarRecords(0, [3], [7]));
        string b = Write("data_batch_2.bin", DataFiles.CifarRecords(2, [9]));
        var ds = CifarReader.ReadCifar10([a, b], "c10", ClassNames.Cifar10);

        Assert.Equal((3, 3, 32, 32), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.Equal([3, 7, 9], ds.Labels);
        // Sample 2, green channel, row 5, column 6.
        Assert.Equal(DataFiles.Pixel(2, 1, 5, 6), ds.Sample(2)[(1 * 32 + 5) * 32 + 6]);
    }

    [Fact]
    public void Cifar100_uses_fine_labels()
    {
        string path = Write("train.bin", DataFiles.CifarRecords(0, [19, 99], [0, 42]));
        var ds = CifarReader.ReadCifar100([path], "c100", ClassNames.Numbered(100));
        Assert.Equal([99, 42], ds.Labels);
        Assert.Equal(DataFiles.Pixel(1, 2, 31, 0), ds.Sample(1)[(2 * 32 + 31) * 32]);
    }

    [Fact]
    public void Partial_record_names_file_and_offset()
    {
        var data = DataFiles.CifarRecords(0, [1], [2]);
        string path = Write("test_batch.bin", data[..^10]);
        Throws.DataError(() => CifarReader.ReadCifar10([path], "c10", ClassNames.Cifar10), "test_batch.bin", "byte offset 3073", "3073");
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        string path = Write("test_batch.bin", [.. DataFiles.CifarRecords(0, [1]), 0]);
        Throws.DataError(() => CifarReader.ReadCifar10([path], "c10", ClassNames.Cifar10), "test_batch.bin", "byte offset 3073", "trailing");
    }

    [Fact]
    public void Label_out_of_range_names_record_offset()
    {
        string path = Write("data_batch_1.bin", DataFiles.CifarRecords(0, [1], [10]));
        Throws.DataError(() => CifarReader.ReadCifar10([path], "c10", ClassNames.Cifar10), "data_batch_1.bin", "byte offset 3073", "found 10");
    }

    [Fact]
    public void Cifar100_fine_label_out_of_range()
    {
        string path = Write("test.bin", DataFiles.CifarRecords(0, [0, 100]));
        Throws.DataError(() => CifarReader.ReadCifar100([path], "c100", ClassNames.Numbered(100)), "test.bin", "byte offset 1", "fine label");
    }

    [Fact]
    public void Empty_and_missing_files()
    {
        string empty = Write("empty.bin", []);
        Throws.DataError(() => CifarReader.ReadCifar10([empty], "c10", ClassNames.Cifar10), "empty.bin", "byte offset 0");
        Throws.DataError(() => CifarReader.ReadCifar10([_dir.File("nope.bin")], "c10", ClassNames.Cifar10, "Get CIFAR."), "nope.bin", "Get CIFAR.");
    }
}
