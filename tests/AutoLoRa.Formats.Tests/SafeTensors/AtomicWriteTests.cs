using System.Buffers;
using AutoLoRa.Formats;

namespace AutoLoRa.Formats.Tests.SafeTensors;

public sealed class AtomicWriteTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static SafeTensorEntry[] OldContents() => [SafeTensorEntry.FromFloat32("old", [2], [1f, 2f])];

    [Fact]
    public void FailureMidwayLeavesTheOldFileAndNoTempFile()
    {
        string path = _dir.File("model.safetensors");
        Formats.SafeTensors.Write(path, OldContents());
        byte[] before = File.ReadAllBytes(path);
        // Entries are laid out I64 first, so "a" is written before the poisoned F32 entry fails:
        // the writer has already streamed the header and "a" into the temporary file when it fails.
        var poisoned = new FailingMemory(16);
        var entries = new[]
        {
            SafeTensorEntry.FromInt64("a", [4], [1, 2, 3, 4]),
            new SafeTensorEntry("b", SafeTensorDType.F32, [4], poisoned.Memory),
        };

        var ex = Assert.Throws<IOException>(() => Formats.SafeTensors.Write(path, entries));

        Assert.Equal("simulated failure while writing", ex.Message);
        Assert.True(poisoned.Touched);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([1f, 2f], Formats.SafeTensors.Read(path)["old"].AsFloat32());
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void InvalidEntriesAreRejectedBeforeAnythingIsWritten()
    {
        string path = _dir.File("model.safetensors");
        Formats.SafeTensors.Write(path, OldContents());
        byte[] before = File.ReadAllBytes(path);

        // A byte count that mismatches its shape cannot even become an entry...
        Assert.Throws<ArgumentException>(() =>
            Formats.SafeTensors.Write(path, [new SafeTensorEntry("w", SafeTensorDType.F32, [3], new byte[8])]));
        // ...and a layout error (duplicate name) is found before the temporary file exists.
        var dup = SafeTensorEntry.FromFloat32("w", [1], [1f]);
        Assert.Throws<ArgumentException>(() => Formats.SafeTensors.Write(path, [dup, dup]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void SuccessfulWriteReplacesTheOldFile()
    {
        string path = _dir.File("model.safetensors");
        Formats.SafeTensors.Write(path, OldContents());

        Formats.SafeTensors.Write(path, [SafeTensorEntry.FromFloat32("new", [1], [3f])],
            new Dictionary<string, string> { ["format"] = "pt" });

        var read = Formats.SafeTensors.Read(path);
        Assert.Equal(["new"], read.Entries.Select(e => e.Name));
        Assert.Equal("pt", read.Metadata["format"]);
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void WriteOfAReadFileReproducesItByteForByte()
    {
        string first = _dir.File("a.safetensors");
        string second = _dir.File("b.safetensors");
        Formats.SafeTensors.Write(first, [
            SafeTensorEntry.FromFloat32("conv.weight", [2, 1, 1, 1], [0.5f, -0.5f]),
            SafeTensorEntry.FromInt64("bn.num_batches_tracked", [], [10]),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        Formats.SafeTensors.Write(second, Formats.SafeTensors.Read(first));

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    /// <summary>Memory whose bytes cannot be fetched: stands in for a device copy or disk that
    /// fails after the writer has started.</summary>
    private sealed class FailingMemory(int length) : MemoryManager<byte>
    {
        public bool Touched { get; private set; }

        public override Span<byte> GetSpan()
        {
            Touched = true;
            throw new IOException("simulated failure while writing");
        }

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }

        public override Memory<byte> Memory => CreateMemory(length);
    }
}
