using System.Buffers.Binary;
using System.IO.Compression;

namespace AutoLoRa.Data.Formats;

/// <summary>
/// Whole-file reads shared by the readers: existence check with a hint, transparent gzip
/// (sniffed from the magic bytes 1f 8b, not the extension), and bounds-checked header fields
/// so that no reader can index past the end of what it read.
/// </summary>
internal static class DataFile
{
    /// <summary>Largest decompressed size accepted: what a byte[] can hold.</summary>
    private static readonly long MaxDecompressed = Array.MaxLength;

    /// <summary>Reads a file, decompressing it if it is gzip. Missing → <see cref="DataFormatException"/> with <paramref name="missingHint"/>.</summary>
    public static byte[] ReadAll(string path, string missingHint) => ReadAll(path, missingHint, out _);

    /// <summary>As <see cref="ReadAll(string, string)"/>, also telling whether the file was gzip (offsets then refer to the decompressed bytes).</summary>
    public static byte[] ReadAll(string path, string missingHint, out bool wasGzip)
    {
        if (!File.Exists(path)) throw new DataFormatException($"{path}: file not found. {missingHint}");
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot be read ({e.Message}).", e);
        }
        wasGzip = IsGzip(raw);
        return wasGzip ? Gunzip(path, raw) : raw;
    }

    /// <summary>True when the bytes start with the gzip magic.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1f && data[1] == 0x8b;

    /// <summary>Reads a big-endian uint32 at <paramref name="offset"/>, or throws naming what was being read.</summary>
    public static uint ReadUInt32BigEndian(string path, byte[] data, int offset, string what)
    {
        if (offset < 0 || data.Length - offset < 4)
            throw DataFormatException.At(path, Math.Min(offset, data.Length), $"expected the 4-byte {what}, but the file ends after {data.Length} bytes (truncated?)");
        return BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset, 4));
    }

    private static byte[] Gunzip(string path, byte[] compressed)
    {
        var source = new MemoryStream(compressed, writable: false);
        var output = new MemoryStream(compressed.Length * 4);
        var buffer = new byte[1 << 16];
        try
        {
            using var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                // A crafted stream can expand without bound; stop at what an array can hold.
                if (output.Length + read > MaxDecompressed)
                    throw DataFormatException.At(path, source.Position, $"expected at most {MaxDecompressed} decompressed bytes, but the gzip stream expands further");
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(
                $"{path}: at byte offset {source.Position} (compressed): expected a valid gzip stream ({e.Message}). Re-download or re-extract the file.", e);
        }
        return output.Length == output.Capacity ? output.GetBuffer() : output.ToArray();
    }
}
