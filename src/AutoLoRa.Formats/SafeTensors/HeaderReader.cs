using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace AutoLoRa.Formats;

/// <summary>Where one tensor's bytes lie in the data buffer, after validation.</summary>
internal readonly record struct TensorLayout(string Name, SafeTensorDType DType, long[] Shape, long Begin, long End)
{
    public long ByteCount => End - Begin;
}

/// <summary>A validated header: tensors sorted by offset, and the metadata map.</summary>
internal sealed record ParsedHeader(int HeaderLength, IReadOnlyList<TensorLayout> Tensors,
    Dictionary<string, string> Metadata)
{
    /// <summary>File offset of the data buffer (the 8-byte prefix plus the header).</summary>
    public long DataStart => SafeTensors.LengthPrefixSize + (long)HeaderLength;
}

/// <summary>
/// Reads and validates a safetensors header, rule for rule as the reference reader does and in
/// the same order, so a file we reject is one the Python library rejects too (plus duplicate
/// keys, which the format forbids but serde silently merges). Everything is checked against the
/// real input length before any tensor memory is allocated, so a hostile header cannot make us
/// allocate more than the file holds.
/// </summary>
internal static class HeaderReader
{
    /// <summary>The reference reader's cap on the header, a guard against denial of service.</summary>
    public const ulong MaxHeaderSize = 100_000_000;

    /// <summary>
    /// Checks the 8-byte prefix against the input length and returns the header length N.
    /// </summary>
    /// <param name="prefix">The first bytes of the input (at most 8 are looked at).</param>
    /// <param name="totalLength">Length of the whole input in bytes.</param>
    /// <param name="source">File name for messages.</param>
    public static int ReadHeaderLength(ReadOnlySpan<byte> prefix, long totalLength, string? source)
    {
        if (totalLength < SafeTensors.LengthPrefixSize || prefix.Length < SafeTensors.LengthPrefixSize)
            throw Fail(SafeTensorsError.HeaderTooSmall, source, null, 0,
                $"the file is {totalLength} bytes; expected at least the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderSize)
            throw Fail(SafeTensorsError.HeaderTooLarge, source, null, 0,
                $"header length {n} exceeds the limit of {MaxHeaderSize} bytes");
        // n <= 1e8, so the sum cannot overflow.
        if ((long)n + SafeTensors.LengthPrefixSize > totalLength)
            throw Fail(SafeTensorsError.InvalidHeaderLength, source, null, 0,
                $"header length {n} runs past the end of the file: expected at most {totalLength - SafeTensors.LengthPrefixSize}");
        return (int)n;
    }

    /// <summary>Parses the header JSON and validates the layout against the input length.</summary>
    /// <param name="header">The N header bytes.</param>
    /// <param name="totalLength">Length of the whole input (prefix + header + data) in bytes.</param>
    /// <param name="source">File name for messages.</param>
    public static ParsedHeader Parse(ReadOnlySpan<byte> header, long totalLength, string? source)
    {
        CheckUtf8(header, source);
        var (infos, metadata) = HeaderJson.Parse(header, source);
        var parsed = Validate(infos, header.Length, totalLength, source);
        return new ParsedHeader(header.Length, parsed, metadata);
    }

    private static void CheckUtf8(ReadOnlySpan<byte> header, string? source)
    {
        if (System.Text.Unicode.Utf8.IsValid(header))
            return;
        // Only on failure: walk the runes to report where the bad byte is.
        int at = 0;
        while (Rune.DecodeFromUtf8(header[at..], out _, out int used) == System.Buffers.OperationStatus.Done)
            at += used;
        throw Fail(SafeTensorsError.InvalidHeader, source, null, SafeTensors.LengthPrefixSize + at,
            $"the header is not valid UTF-8 (bad byte 0x{header[at]:X2} at header byte {at})");
    }

    private static List<TensorLayout> Validate(List<HeaderJson.TensorInfo> infos, int headerLength,
        long totalLength, string? source)
    {
        long dataStart = SafeTensors.LengthPrefixSize + (long)headerLength;
        long dataLength = totalLength - dataStart;

        // Writers may list keys in any order; the buffer must be tiled in offset order.
        // The name tie-break makes the order of several empty tensors at one offset deterministic.
        infos.Sort(static (a, b) =>
        {
            int c = a.Begin.CompareTo(b.Begin);
            if (c == 0) c = a.End.CompareTo(b.End);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });

        var layouts = new List<TensorLayout>(infos.Count);
        ulong expectedBegin = 0;
        string? previous = null;
        foreach (var info in infos)
        {
            long? at = info.Begin <= (ulong)(long.MaxValue - dataStart) ? dataStart + (long)info.Begin : null;
            string offsets = $"data_offsets [{info.Begin}, {info.End}]";
            if (info.Begin != expectedBegin)
            {
                string expected = previous is null
                    ? "expected 0: the first tensor must start the data buffer"
                    : info.Begin > expectedBegin
                        ? $"expected {expectedBegin}, where tensor '{DisplayText.Clip(previous)}' ends (a gap of {info.Begin - expectedBegin} bytes)"
                        : $"expected {expectedBegin}, where tensor '{DisplayText.Clip(previous)}' ends (it overlaps by {expectedBegin - info.Begin} bytes)";
                throw Fail(SafeTensorsError.InvalidOffset, source, info.Name, at,
                    $"{offsets} begin at {info.Begin}; {expected}");
            }
            if (info.End < info.Begin)
                throw Fail(SafeTensorsError.InvalidOffset, source, info.Name, at,
                    $"{offsets} end before they begin; expected end >= begin");
            expectedBegin = info.End;
            previous = info.Name;

            string shapeText = "[" + string.Join(", ", info.Shape) + "]";
            ulong elements = 1;
            ulong bits;
            try
            {
                foreach (ulong dim in info.Shape)
                    elements = checked(elements * dim);
                bits = checked(elements * (ulong)info.DType.BitSize());
            }
            catch (OverflowException)
            {
                throw Fail(SafeTensorsError.ValidationOverflow, source, info.Name, at,
                    $"{info.DType} shape {shapeText} overflows a 64-bit element or bit count; expected a shape whose size fits the file");
            }
            if (bits % 8 != 0)
                throw Fail(SafeTensorsError.MisalignedSlice, source, info.Name, at,
                    $"{info.DType} shape {shapeText} is {bits} bits; expected a whole number of bytes");
            if (info.End - info.Begin != bits / 8)
                throw Fail(SafeTensorsError.TensorInvalidInfo, source, info.Name, at,
                    $"{offsets} span {info.End - info.Begin} bytes; expected {bits / 8} bytes for {info.DType} shape {shapeText}");

            // Only dims that fit in long reach here unless the tensor is empty; keep the API signed.
            var shape = new long[info.Shape.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                if (info.Shape[i] > long.MaxValue)
                    throw Fail(SafeTensorsError.InvalidHeaderDeserialization, source, info.Name, at,
                        $"dimension {info.Shape[i]} of shape {shapeText} is larger than this reader supports; expected at most {long.MaxValue}");
                shape[i] = (long)info.Shape[i];
            }
            // Begin/End are provisional until the buffer-length check below proves them in range.
            layouts.Add(new TensorLayout(info.Name, info.DType, shape,
                info.Begin <= long.MaxValue ? (long)info.Begin : -1, info.End <= long.MaxValue ? (long)info.End : -1));
        }

        if (expectedBegin != (ulong)dataLength)
        {
            string detail = expectedBegin < (ulong)dataLength
                ? $"{(ulong)dataLength - expectedBegin} trailing bytes after the last tensor"
                : $"the file is truncated by {expectedBegin - (ulong)dataLength} bytes";
            long? end = expectedBegin <= (ulong)(long.MaxValue - dataStart) ? dataStart + (long)expectedBegin : null;
            throw Fail(SafeTensorsError.MetadataIncompleteBuffer, source, previous, end,
                $"the tensors end at data offset {expectedBegin} but the data buffer is {dataLength} bytes ({detail}); expected the file to end exactly where the last tensor ends");
        }
        return layouts;
    }

    internal static SafeTensorsFormatException Fail(SafeTensorsError error, string? source, string? tensor,
        long? offset, string message, Exception? inner = null) =>
        new(error, source, tensor, offset, message, inner);
}
