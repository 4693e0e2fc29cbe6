using System.IO.Compression;
using System.Text;
using AutoLoRa.Formats.PyTorch;

namespace AutoLoRa.Formats.Tests.PyTorch;

/// <summary>Files that would run code under a stock unpickler, or are damaged, fail with a message naming the problem.</summary>
public sealed class HostileInputTests
{
    // Opcodes written as text; \u00XX escapes (C#'s \x would swallow a following hex letter).
    private static byte[] Pickle(string opcodes) => Encoding.Latin1.GetBytes(opcodes);

    private static MemoryStream Zip(byte[] dataPkl, params (string Name, byte[] Data)[] records)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in records.Prepend(("data.pkl", dataPkl)))
            {
                using var s = zip.CreateEntry("archive/" + name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        }
        buffer.Position = 0;
        return buffer;
    }

    private static TorchFormatException Reject(byte[] dataPkl) =>
        Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Load(Zip(dataPkl), "hostile.pt").Dispose());

    [Fact]
    public void Posix_system_global_is_refused_by_name()
    {
        var e = Reject(Pickle("\u0080\u0002cposix\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R."));
        Assert.Contains("posix.system", e.Message);
        Assert.Contains("hostile.pt", e.Message);
    }

    [Fact]
    public void Os_system_through_stack_global_is_refused()
    {
        var e = Reject(Pickle("\u0080\u0004\u008c\u0002os\u008c\u0006system\u0093X\u0002\u0000\u0000\u0000id\u0085R."));
        Assert.Contains("os.system", e.Message);
    }

    [Fact]
    public void Unknown_callable_is_refused_by_name()
    {
        var e = Reject(Pickle("\u0080\u0002c__builtin__\ngetattr\n)R."));
        Assert.Contains("builtins.getattr", e.Message);
        Assert.Contains("not allowed", e.Message);
    }

    [Fact]
    public void Reduce_on_a_type_marker_is_refused()
    {
        var e = Reject(Pickle("\u0080\u0002ctorch\nFloatStorage\n)R."));
        Assert.Contains("REDUCE on global 'torch.FloatStorage'", e.Message);
    }

    [Fact]
    public void Inst_opcode_is_refused()
    {
        var e = Reject(Pickle("\u0080\u0002(iposix\nsystem\n."));
        Assert.Contains("opcode 0x69", e.Message);
    }

    [Fact]
    public void Build_on_a_plain_value_is_refused()
    {
        var e = Reject(Pickle("\u0080\u0002]}b."));
        Assert.Contains("BUILD on a list", e.Message);
    }

    [Fact]
    public void Persistent_id_that_is_not_a_storage_is_refused()
    {
        var e = Reject(Pickle("\u0080\u0002X\u0004\u0000\u0000\u0000evil\u0085Q."));
        Assert.Contains("persistent id", e.Message);
    }

    [Fact]
    public void Huge_declared_string_length_fails_as_truncated_without_allocating()
    {
        var e = Reject(Pickle("\u0080\u0002X\u00f0\u00ff\u00ff\u007fabc."));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Truncated_pickle_is_reported()
    {
        var e = Reject(Pickle("\u0080\u0002}q\u0000(X\u0001\u0000\u0000\u0000a"));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Missing_storage_record_is_named()
    {
        // {'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 1), 0, (1,), (1,), False, OrderedDict())}
        var pkl = Pickle("\u0080\u0002}X\u0001\u0000\u0000\u0000wctorch._utils\n_rebuild_tensor_v2\n((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000X\u0003\u0000\u0000\u0000cpuK\u0001tQK\u0000K\u0001\u0085K\u0001\u0085\u0089ccollections\nOrderedDict\n)RtRs.");
        var e = Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Load(Zip(pkl), "x.pt").Dispose());
        Assert.Contains("archive/data/0", e.Message);
        // With the record present but too short, the size mismatch is named when the tensor is read.
        using var checkpoint = TorchCheckpoint.Load(Zip(pkl, ("data/0", new byte[2])), "x.pt");
        var tensor = checkpoint.Tensors().Single().Value;
        var short_ = Assert.Throws<TorchFormatException>(() => tensor.ToEntry("w"));
        Assert.Contains("holds 2 bytes but its tensors declare 4", short_.Message);
        // And the well-formed file reads.
        using var good = TorchCheckpoint.Load(Zip(pkl, ("data/0", BitConverter.GetBytes(2.5f))), "x.pt");
        Assert.Equal([2.5f], good.Tensors().Single().Value.ToEntry("w").AsFloat32());
    }

    [Fact]
    public void View_reaching_past_its_storage_is_refused()
    {
        // A 1-element storage viewed as 4 elements.
        var pkl = Pickle("\u0080\u0002}X\u0001\u0000\u0000\u0000wctorch._utils\n_rebuild_tensor_v2\n((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000X\u0003\u0000\u0000\u0000cpuK\u0001tQK\u0000K\u0004\u0085K\u0001\u0085\u0089ccollections\nOrderedDict\n)RtRs.");
        using var checkpoint = TorchCheckpoint.Load(Zip(pkl, ("data/0", new byte[4])), "x.pt");
        var e = Assert.Throws<TorchFormatException>(() => checkpoint.Tensors().Single().Value.ToEntry("w"));
        Assert.Contains("reaches past the end", e.Message);
    }

    [Theory]
    [InlineData("views_zip")]
    [InlineData("views_legacy")]
    public void Truncated_files_are_rejected(string name)
    {
        var bytes = File.ReadAllBytes(Fixture.Path(name));
        foreach (int keep in new[] { bytes.Length / 2, bytes.Length - 7 })
        {
            Assert.Throws<TorchFormatException>(() =>
            {
                using var checkpoint = TorchCheckpoint.Load(new MemoryStream(bytes[..keep]), name);
                foreach (var (key, t) in checkpoint.Tensors()) t.ToEntry(key);
            });
        }
    }

    [Fact]
    public void Bogus_zip_is_rejected()
    {
        var bytes = Encoding.ASCII.GetBytes("PK\u0003\u0004 this is not really a zip archive at all, just text");
        var e = Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Load(new MemoryStream(bytes), "bogus.pt").Dispose());
        Assert.Contains("zip", e.Message);
    }

    [Fact]
    public void Unknown_content_is_rejected_with_its_first_bytes()
    {
        var e = Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Load(new MemoryStream([1, 2, 3, 4]), "junk.bin").Dispose());
        Assert.Contains("01020304", e.Message);
    }

    [Fact]
    public void A_record_whose_bytes_do_not_match_its_crc_is_refused()
    {
        // Root object: the string "hello". One changed letter still unpickles, to "jello".
        var zip = Zip(Pickle("\u0080\u0002X\u0005\u0000\u0000\u0000helloq\u0000."));
        Assert.Equal("hello", TorchCheckpoint.Load(new MemoryStream(zip.ToArray()), "intact.pt").Root);
        var bytes = zip.ToArray();
        int at = bytes.AsSpan().IndexOf("hello"u8);
        bytes[at] = (byte)'j';
        var e = Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Load(new MemoryStream(bytes), "flipped.pt").Dispose());
        Assert.Contains("flipped.pt", e.Message);
        Assert.Contains("archive/data.pkl", e.Message);
        Assert.Contains("CRC-32", e.Message);
    }

    [Fact]
    public void A_record_claiming_more_bytes_than_the_archive_has_is_refused_before_reading()
    {
        var bytes = Zip(Pickle("\u0080\u0002N.")).ToArray();
        // The central directory's sizes of data.pkl (compressed at +20, uncompressed at +24 from its signature) claim 1 GB.
        int central = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        BitConverter.GetBytes(1_000_000_000).CopyTo(bytes, central + 20);
        BitConverter.GetBytes(1_000_000_000).CopyTo(bytes, central + 24);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TorchFormatException>(() => TorchCheckpoint.Load(new MemoryStream(bytes), "claims.pt").Dispose());
        Assert.Contains("claims.pt", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000, "the reader allocated the claimed size");
    }
}
