using System.Buffers.Binary;
using System.IO.Compression;

namespace AutoLoRa.Data.Formats;

/// <summary>
/// File reads shared by the readers: existence check with a hint, transparent gzip (sniffed from
/// the magic bytes 1f 8b, not the extension) with a bound on how far it may expand, and
/// bounds-checked header fields so that no reader can index past the end of what it read.
/// </summary>
internal static class DataFile
{
    /// <summary>
    /// How many times its own size a gzip file may expand to. Real datasets expand 2–10 times
    /// (MNIST's images about 5); a file of zeros expands a thousandfold, so a 1 MB file could
    /// otherwise make the reader allocate a gigabyte.
    /// </summary>
    public const long MaxGzipExpansion = 100;

    /// <summary>Reads a whole file, decompressing it if it is gzip. Missing → <see cref="DataFormatException"/> with <paramref name="missingHint"/>.</summary>
    public static byte[] ReadAll(string path, string missingHint)
    {
        using var content = Open(path, missingHint);
        using var output = new MemoryStream();
        content.CopyTo(output, content.MaxLength);
        return output.ToArray();
    }

    /// <summary>Opens a file for reading from its start, through gzip when it is compressed.</summary>
    public static DataStream Open(string path, string missingHint)
    {
        if (Directory.Exists(path)) throw new DataFormatException($"{path}: is a directory, not a data file. {missingHint}");
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found. {missingHint}");
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> magic = stackalloc byte[2];
            int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            return new DataStream(path, file, IsGzip(magic[..got]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>True when the bytes start with the gzip magic.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1f && data[1] == 0x8b;

    /// <summary>Reads a big-endian uint32 at <paramref name="offset"/>, or throws naming what was being read.</summary>
    public static uint ReadUInt32BigEndian(string path, ReadOnlySpan<byte> data, int offset, string what)
    {
        if (offset < 0 || data.Length - offset < 4)
            throw DataFormatException.At(path, Math.Min(offset, data.Length), $"expected the 4-byte {what}, but the file ends after {data.Length} bytes (truncated?)");
        return BinaryPrimitives.ReadUInt32BigEndian(data.Slice(offset, 4));
    }
}

/// <summary>
/// A data file's content as a stream: the bytes themselves, or their gzip decompression. Offsets in
/// messages are content offsets (decompressed bytes for gzip). Damaged gzip data and reads past
/// <see cref="MaxLength"/> become <see cref="DataFormatException"/>s naming the file.
/// </summary>
internal sealed class DataStream : IDisposable
{
    private readonly FileStream _file;
    private readonly Stream _content;

    public DataStream(string path, FileStream file, bool gzip)
    {
        Path = path;
        _file = file;
        IsGzip = gzip;
        FileLength = file.Length;
        _content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    public string Path { get; }

    public bool IsGzip { get; }

    /// <summary>Bytes on disk.</summary>
    public long FileLength { get; }

    /// <summary>The most content this file can hold: its length, or for gzip <see cref="DataFile.MaxGzipExpansion"/> times that.</summary>
    public long MaxLength => IsGzip ? FileLength * DataFile.MaxGzipExpansion : FileLength;

    /// <summary>Content bytes read so far.</summary>
    public long Position { get; private set; }

    /// <summary>"decompressed " for gzip files, so messages say which bytes an offset counts.</summary>
    public string Kind => IsGzip ? "decompressed " : "";

    /// <summary>
    /// Checks before allocating that <paramref name="claimed"/> content bytes (what a header says
    /// follows) can be in this file, so a header's claim never costs more memory than the file can back.
    /// </summary>
    public void RequireRoomFor(UInt128 claimed, long offset, string claim)
    {
        if (claimed <= (UInt128)(MaxLength - Position)) return;
        // A raw file is short at its end; for gzip the end is unknown, so the header field is at fault.
        if (!IsGzip) offset = FileLength;
        string why = IsGzip
            ? $"a {FileLength:N0}-byte gzip file is refused beyond {DataFile.MaxGzipExpansion}× its size ({MaxLength:N0} bytes), and real data expands far less"
            : $"the file has {FileLength:N0} bytes";
        throw DataFormatException.At(Path, offset, $"expected {claim} ({claimed:N0} bytes), but {why} (truncated file or wrong header)");
    }

    /// <summary>Fills <paramref name="buffer"/>, or throws naming the offset where the content ended.</summary>
    public void ReadExactly(Span<byte> buffer, string what)
    {
        int got = Read(buffer);
        if (got < buffer.Length)
            throw DataFormatException.At(Path, Position, $"expected {buffer.Length:N0} bytes of {what}, but only {got:N0} {Kind}bytes are present (truncated file or wrong header)");
    }

    /// <summary>Counts (and drops) the content left, reading no further than <see cref="MaxLength"/>.</summary>
    public long CountRest()
    {
        var scratch = new byte[1 << 16];
        long rest = 0;
        int got;
        while ((got = Read(scratch)) > 0) rest += got;
        return rest;
    }

    /// <summary>Copies the content to <paramref name="output"/>, refusing more than <paramref name="limit"/> bytes.</summary>
    public void CopyTo(Stream output, long limit)
    {
        var scratch = new byte[1 << 16];
        int got;
        while ((got = Read(scratch)) > 0)
        {
            if (output.Length + got > limit)
                throw DataFormatException.At(Path, Position, $"expected at most {limit:N0} {Kind}bytes, but the content goes on");
            output.Write(scratch, 0, got);
        }
    }

    public void Dispose() => _content.Dispose();

    /// <summary>Fills as much of <paramref name="buffer"/> as the content holds; returns the count.</summary>
    public int Read(Span<byte> buffer)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                // At the bound one byte more is asked for: none means the content ended there,
                // one means a gzip bomb, which is stopped instead of inflated further.
                long room = MaxLength - Position;
                int got = _content.Read(buffer.Slice(total, (int)Math.Min(buffer.Length - total, Math.Max(room, 1))));
                if (got == 0) break;
                if (room <= 0)
                    throw DataFormatException.At(Path, Position, $"expected the content to end within {MaxLength:N0} bytes ({DataFile.MaxGzipExpansion}× the file's size for gzip), but it goes on");
                total += got;
                Position += got;
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(
                $"{Path}: at byte offset {_file.Position} (compressed): expected a valid gzip stream ({e.Message}). Re-download or re-extract the file.", e);
        }
        return total;
    }
}
