using System.Buffers.Binary;
using System.Text;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// Bounds-checked reads from the pickle byte stream. Every length read from the file is checked
/// against the bytes actually left before anything is allocated, so a hostile length field
/// cannot make us allocate gigabytes, and a truncated file fails with its offset.
/// </summary>
internal sealed class PickleInput(Stream stream, string? source)
{
    public string? Source { get; } = source;

    public long Position => stream.Position;

    public byte ReadByte()
    {
        int b = stream.ReadByte();
        if (b < 0) throw Truncated(1);
        return (byte)b;
    }

    public byte[] ReadBytes(long count)
    {
        if (count < 0 || count > stream.Length - stream.Position) throw Truncated(count);
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    public string ReadUtf8(long count)
    {
        var bytes = ReadBytes(count);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Error("a string is not valid UTF-8", e);
        }
    }

    /// <summary>A newline-terminated ASCII line (GLOBAL's module and name), capped at 1 KiB.</summary>
    public string ReadLine()
    {
        var text = new StringBuilder();
        while (true)
        {
            byte b = ReadByte();
            if (b == (byte)'\n') return text.ToString();
            if (b < 0x20 || b > 0x7e || text.Length >= 1024) throw Error("a GLOBAL name is not a short printable ASCII line");
            text.Append((char)b);
        }
    }

    public TorchFormatException Error(string message, Exception? inner = null) =>
        new(Source, $"pickle at byte {stream.Position}: {message}", inner);

    private TorchFormatException Truncated(long wanted) =>
        Error($"stream ends early (wanted {wanted} more bytes, {stream.Length - stream.Position} left): the file is truncated or not a checkpoint");
}
