using System.Buffers.Binary;

namespace AutoLoRa.Formats;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON describing each tensor (dtype, shape, byte range), then the tensors' bytes back to
/// back. Reading validates every rule the reference implementation enforces and reports
/// violations as <see cref="SafeTensorsFormatException"/>; writing is atomic for files.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reserved header key holding the string → string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Size of the header-length prefix in bytes.</summary>
    public const int LengthPrefixSize = 8;

    /// <summary>Reads a safetensors file. Each tensor gets its own array, read sequentially.</summary>
    /// <param name="path">File to read.</param>
    /// <exception cref="SafeTensorsFormatException">The file breaks the format.</exception>
    /// <exception cref="NotSupportedException">A tensor exceeds the largest .NET array (about 2 GiB).</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // No FileStream buffer: reads are few and large (the header, then one per tensor).
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 0, FileOptions.SequentialScan);
        return ReadSeekable(stream, path);
    }

    /// <summary>
    /// Reads safetensors data from the current position of a stream to its end. Seekable streams
    /// are validated against their length before tensor memory is allocated; others are first
    /// copied into memory (bounded by what the stream actually holds, not by header claims).
    /// </summary>
    /// <param name="stream">Stream positioned at the 8-byte prefix; left open.</param>
    /// <param name="sourceName">Name used in error messages, e.g. the originating file.</param>
    /// <exception cref="SafeTensorsFormatException">The data breaks the format.</exception>
    public static SafeTensorsFile Read(Stream stream, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
            return ReadSeekable(stream, sourceName);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Read(copy.GetBuffer().AsMemory(0, (int)copy.Length), sourceName);
    }

    /// <summary>
    /// Parses safetensors bytes already in memory. Entries are slices of <paramref name="bytes"/>
    /// (no copy), so the caller must not modify the buffer while they are in use.
    /// </summary>
    /// <param name="bytes">The complete file contents.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="SafeTensorsFormatException">The data breaks the format.</exception>
    public static SafeTensorsFile Read(ReadOnlyMemory<byte> bytes, string? sourceName = null)
    {
        var span = bytes.Span;
        int n = HeaderReader.ReadHeaderLength(span[..Math.Min(LengthPrefixSize, span.Length)], span.Length, sourceName);
        var header = HeaderReader.Parse(span.Slice(LengthPrefixSize, n), span.Length, sourceName);
        int dataStart = (int)header.DataStart;
        var entries = header.Tensors.Select(t => new SafeTensorEntry(t.Name, t.DType, t.Shape,
            bytes.Slice(dataStart + (int)t.Begin, (int)t.ByteCount)));
        return new SafeTensorsFile(entries, header.Metadata);
    }

    /// <summary>
    /// Writes tensors to <paramref name="path"/> atomically: a temporary file in the same
    /// directory is written, flushed to disk and renamed over the target, so readers (and a crash
    /// at any moment) see either the old file or the complete new one. The layout matches the
    /// reference writer: tensors ordered by dtype alignment then name, header space-padded to a
    /// multiple of 8.
    /// </summary>
    /// <param name="path">Target file; replaced if it exists.</param>
    /// <param name="entries">Tensors; names must be unique.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> map; omitted from the header when null or empty.</param>
    /// <exception cref="ArgumentException">Duplicate or reserved names, or names/metadata that are not valid Unicode.</exception>
    public static void Write(string path, IEnumerable<SafeTensorEntry> entries,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, new SafeTensorsFile(entries, metadata));

    /// <summary>Writes a file's tensors and metadata to <paramref name="path"/> atomically
    /// (see <see cref="Write(string, IEnumerable{SafeTensorEntry}, IReadOnlyDictionary{string, string}?)"/>).</summary>
    public static void Write(string path, SafeTensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        // Lay out the header before touching the disk, so argument errors create no temp file.
        var (header, ordered) = HeaderWriter.Build(file);
        AtomicFile.Write(path, stream => WriteLaidOut(stream, header, ordered));
    }

    /// <summary>Writes tensors and metadata to a stream (not atomic; the stream is left open).</summary>
    public static void Write(Stream stream, IEnumerable<SafeTensorEntry> entries,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (header, ordered) = HeaderWriter.Build(new SafeTensorsFile(entries, metadata));
        WriteLaidOut(stream, header, ordered);
    }

    /// <summary>Returns the complete file contents as bytes.</summary>
    public static byte[] Serialize(IEnumerable<SafeTensorEntry> entries,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var buffer = new MemoryStream();
        Write(buffer, entries, metadata);
        return buffer.ToArray();
    }

    private static void WriteLaidOut(Stream stream, byte[] header, SafeTensorEntry[] ordered)
    {
        Span<byte> prefix = stackalloc byte[LengthPrefixSize];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var entry in ordered)
            stream.Write(entry.Data.Span);
    }

    private static SafeTensorsFile ReadSeekable(Stream stream, string? source)
    {
        long start = stream.Position;
        long total = stream.Length - start;
        Span<byte> prefix = stackalloc byte[LengthPrefixSize];
        int got = stream.ReadAtLeast(prefix, LengthPrefixSize, throwOnEndOfStream: false);
        int n = HeaderReader.ReadHeaderLength(prefix[..got], total, source);

        // n was checked against the real length, so this allocation is backed by actual bytes.
        var headerBytes = new byte[n];
        ReadExactly(stream, headerBytes, source, null, start + LengthPrefixSize);
        var header = HeaderReader.Parse(headerBytes, total, source);

        var entries = new List<SafeTensorEntry>(header.Tensors.Count);
        foreach (var t in header.Tensors)
        {
            if (t.ByteCount > Array.MaxLength)
                throw new NotSupportedException(
                    $"{source ?? "<safetensors stream>"}: tensor '{t.Name}' is {t.ByteCount} bytes, more than one .NET array can hold ({Array.MaxLength})");
            // Tensors tile the buffer contiguously in this order, so plain sequential reads suffice.
            var data = new byte[t.ByteCount];
            ReadExactly(stream, data, source, t.Name, start + header.DataStart + t.Begin);
            entries.Add(new SafeTensorEntry(t.Name, t.DType, t.Shape, data));
        }
        return new SafeTensorsFile(entries, header.Metadata);
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string? source, string? tensor, long offset)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException ex)
        {
            // Validation saw enough bytes, so the file must have shrunk while we read it.
            throw HeaderReader.Fail(SafeTensorsError.MetadataIncompleteBuffer, source, tensor, offset,
                $"the file ended early while reading {buffer.Length} bytes; expected it not to change during the read", ex);
        }
    }
}
