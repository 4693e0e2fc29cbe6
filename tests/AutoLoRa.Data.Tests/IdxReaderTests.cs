using AutoLoRa.Data.Formats;
using AutoLoRa.Data.Tests.Support;

namespace AutoLoRa.Data.Tests;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private static readonly string[] TenClasses = [.. ClassNames.Mnist];

    public void Dispose() => _dir.Dispose();

    private string Write(string name, byte[] data)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, data);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_images_and_labels_raw_or_gzip(bool gzip)
    {
        byte[] images = DataFiles.IdxImages(3, 4, 5), labels = DataFiles.IdxLabels(9, 0, 4);
        string ext = gzip ? ".gz" : "";
        var ds = IdxReader.Read(
            Write("img" + ext, gzip ? DataFiles.Gzip(images) : images),
            Write("lbl" + ext, gzip ? DataFiles.Gzip(labels) : labels), "t", TenClasses);

        Assert.Equal((3, 1, 4, 5), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.Equal([9, 0, 4], ds.Labels);
        Assert.Equal(DataFiles.Pixel(2, 0, 3, 1), ds.Sample(2)[3 * 5 + 1]);
    }

    [Fact]
    public void Gzip_is_sniffed_from_magic_not_extension()
    {
        var (pixels, count, _, _) = IdxReader.ReadImages(Write("no-extension", DataFiles.Gzip(DataFiles.IdxImages(2, 3, 3))));
        Assert.Equal(2, count);
        Assert.Equal(18, pixels.Length);
    }

    [Fact]
    public void Truncated_image_file_names_file_and_offset()
    {
        var data = DataFiles.IdxImages(3, 4, 5);
        string path = Write("trunc-images", data[..^1]);
        Throws.DataError(() => IdxReader.ReadImages(path), "trunc-images", $"byte offset {data.Length - 1}", "truncated");
    }

    [Fact]
    public void Truncated_gzip_member_is_a_data_error()
    {
        var gz = DataFiles.Gzip(DataFiles.IdxImages(50, 8, 8));
        string path = Write("cut.gz", gz[..(gz.Length / 2)]);
        Throws.DataError(() => IdxReader.ReadImages(path), "cut.gz", "byte offset");
    }

    [Fact]
    public void Header_shorter_than_four_bytes_names_offset()
    {
        string path = Write("tiny", [0, 0, 8]);
        Throws.DataError(() => IdxReader.ReadImages(path), "tiny", "byte offset 0", "truncated");
    }

    [Fact]
    public void Wrong_magic_names_expected_magic()
    {
        string path = Write("labels-as-images", DataFiles.IdxLabels(1, 2));
        Throws.DataError(() => IdxReader.ReadImages(path), "labels-as-images", "byte offset 0", "0x00000803", "0x00000801");
    }

    [Fact]
    public void Huge_count_claim_is_rejected_without_allocating()
    {
        var data = DataFiles.IdxImages(1, 28, 28);
        DataFiles.Header(data, 0x803, int.MinValue, 28, 28); // 2^31 images
        string path = Write("huge", data);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws.DataError(() => IdxReader.ReadImages(path), "huge", "2147483648 images", "byte offset");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "the reader allocated for the claimed size");
    }

    [Fact]
    public void Maximal_dimension_claims_do_not_overflow()
    {
        var data = DataFiles.IdxImages(1, 2, 2);
        DataFiles.Header(data, 0x803, -1, 65536, 65536); // 2^32−1 × 2^16 × 2^16 overflows 64 bits
        Throws.DataError(() => IdxReader.ReadImages(Write("max", data)), "max", "byte offset");
    }

    [Fact]
    public void Zero_rows_is_rejected()
    {
        var data = DataFiles.IdxImages(1, 2, 2);
        DataFiles.Header(data, 0x803, 1, 0, 2);
        Throws.DataError(() => IdxReader.ReadImages(Write("zero", data)), "zero", "byte offset 8", "row count");
    }

    [Fact]
    public void Trailing_bytes_name_the_offset_where_data_should_end()
    {
        var data = DataFiles.IdxLabels(1, 2, 3);
        string path = Write("trailing", [.. data, 0, 0]);
        Throws.DataError(() => IdxReader.ReadLabels(path, 10), "trailing", $"byte offset {data.Length}", "2 trailing bytes");
    }

    [Fact]
    public void Label_out_of_range_names_its_offset()
    {
        string path = Write("bad-label", DataFiles.IdxLabels(1, 10, 3));
        Throws.DataError(() => IdxReader.ReadLabels(path, 10), "bad-label", "byte offset 9", "0..9", "found 10");
    }

    [Fact]
    public void Count_mismatch_between_images_and_labels()
    {
        string images = Write("img", DataFiles.IdxImages(3, 2, 2)), labels = Write("lbl", DataFiles.IdxLabels(1, 2));
        Throws.DataError(() => IdxReader.Read(images, labels, "t", TenClasses), "lbl", "byte offset 4", "3 labels");
    }

    [Fact]
    public void Missing_file_carries_the_hint()
    {
        Throws.DataError(() => IdxReader.ReadImages(_dir.File("absent.gz"), "Install it somehow."), "absent.gz", "not found", "Install it somehow.");
    }

    [Fact]
    public void Corrupt_gzip_stream_names_file_and_offset()
    {
        // A valid gzip header followed by a deflate block of the reserved type 11.
        byte[] data = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        string path = Write("corrupt.gz", data);
        Throws.DataError(() => IdxReader.ReadImages(path), "corrupt.gz", "byte offset", "gzip");
    }

    [Fact]
    public void Count_claim_beyond_a_raw_files_size_is_refused_before_allocating()
    {
        // 1.4 M images of 28×28 claimed by a file holding one: 1.1 GB if believed.
        var data = DataFiles.IdxImages(1, 28, 28);
        DataFiles.Header(data, 0x803, 1_400_000, 28, 28);
        string path = Write("claims-millions", data);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws.DataError(() => IdxReader.ReadImages(path), "claims-millions", "1400000 images", $"byte offset {data.Length}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the reader allocated for the claimed size");
    }

    [Fact]
    public void Gzip_bomb_is_refused_before_its_claimed_size_is_allocated()
    {
        // A valid IDX file of 12,800 blank images: 10 MB that gzip packs into about 10 KB, a 1000-fold expansion.
        byte[] gz = DataFiles.Gzip(DataFiles.IdxImages(12_800, 28, 28).Select((b, i) => i < 16 ? b : (byte)0).ToArray());
        string path = Write("bomb.gz", gz);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws.DataError(() => IdxReader.ReadImages(path), "bomb.gz", "byte offset 4", "gzip", "12800 images");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2_000_000, "the reader allocated what the bomb claims");
    }

    [Fact]
    public void Gzip_bomb_behind_a_small_claim_stops_inflating_at_the_bound()
    {
        // One label, then 20 MB of zeros: the reader stops at 100× the file's size instead of inflating it all.
        byte[] gz = DataFiles.Gzip([.. DataFiles.IdxLabels(3), .. new byte[20_000_000]]);
        string path = Write("trailing-bomb.gz", gz);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Throws.DataError(() => IdxReader.ReadLabels(path, 10), "trailing-bomb.gz", "byte offset", "goes on");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2_000_000, "the reader kept what it inflated");
    }

    [Fact]
    public void A_directory_is_named_as_such()
    {
        Throws.DataError(() => IdxReader.ReadImages(_dir.Path, "Hint."), "is a directory", "Hint.");
    }

    [Fact]
    public void A_generated_corpus_of_damaged_files_only_ever_raises_the_data_error()
    {
        // Every header field set to hostile values, every cut, every byte changed, raw and gzip:
        // each copy reads or fails with a DataFormatException, never anything else.
        byte[] images = DataFiles.IdxImages(3, 4, 5), labels = DataFiles.IdxLabels(1, 2, 3);
        var copies = new List<(byte[] Data, bool Images)>();
        foreach (var (valid, isImages) in new[] { (images, true), (labels, false) })
        {
            int fields = isImages ? 4 : 2;
            foreach (uint value in new uint[] { 0, 1, 2, 3, 5, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 65536, 65537, 0x803, 0x801 })
            {
                for (int field = 0; field < fields; field++)
                {
                    var edited = (byte[])valid.Clone();
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(edited.AsSpan(4 * field), value);
                    copies.Add((edited, isImages));
                }
            }
            for (int cut = 0; cut < valid.Length; cut++) copies.Add((valid[..cut], isImages));
            for (int at = 0; at < valid.Length; at++)
            {
                var changed = (byte[])valid.Clone();
                changed[at] ^= 0xA5;
                copies.Add((changed, isImages));
            }
        }
        copies.AddRange(copies.ToList().Select(c => (DataFiles.Gzip(c.Data), c.Images)));
        foreach (var (data, isImages) in copies)
        {
            string path = Write("corpus", data);
            try
            {
                if (isImages) IdxReader.ReadImages(path);
                else IdxReader.ReadLabels(path, 10);
            }
            catch (DataFormatException)
            {
            }
        }
        Assert.Equal(2 * (12 * 6 + 2 * (images.Length + labels.Length)), copies.Count);
    }
}
