using AutoLoRa.Data.Formats;
using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class Stl10ReaderTests : IDisposable
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
    public void Transposes_column_major_planes_and_shifts_labels()
    {
        string x = Write("train_X.bin", DataFiles.Stl10Images(2)), y = Write("train_y.bin", [1, 10]);
        var ds = Stl10Reader.Read(x, y, "stl", ClassNames.Stl10);

        Assert.Equal((2, 3, 96, 96), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.Equal([0, 9], ds.Labels);
        var sample = ds.Sample(1);
        foreach (var (c, row, col) in new[] { (0, 0, 1), (1, 5, 90), (2, 95, 3), (2, 40, 41) })
            Assert.Equal(DataFiles.Pixel(1, c, row, col), sample[(c * 96 + row) * 96 + col]);
    }

    [Fact]
    public void Label_zero_is_out_of_range_for_one_based_labels()
    {
        string x = Write("test_X.bin", DataFiles.Stl10Images(2)), y = Write("test_y.bin", [3, 0]);
        Throws.DataError(() => Stl10Reader.Read(x, y, "stl", ClassNames.Stl10), "test_y.bin", "byte offset 1", "1..10");
    }

    [Fact]
    public void Label_count_mismatch_and_partial_image()
    {
        string x = Write("test_X.bin", DataFiles.Stl10Images(2)), y = Write("test_y.bin", [3]);
        Throws.DataError(() => Stl10Reader.Read(x, y, "stl", ClassNames.Stl10), "test_y.bin", "byte offset 1", "2 label bytes");

        string cut = Write("cut_X.bin", DataFiles.Stl10Images(2)[..^5]);
        Throws.DataError(() => Stl10Reader.Read(cut, y, "stl", ClassNames.Stl10), "cut_X.bin", "byte offset 27648");
    }
}
