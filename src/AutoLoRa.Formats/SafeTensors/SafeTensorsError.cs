namespace AutoLoRa.Formats;

/// <summary>
/// Which rule of the safetensors format a file broke. The names follow the reference reader's
/// error kinds so a failure can be compared with what the Python library would report.
/// </summary>
public enum SafeTensorsError
{
    /// <summary>The file is shorter than the 8-byte header length.</summary>
    HeaderTooSmall,
    /// <summary>The declared header length exceeds the 100,000,000-byte limit.</summary>
    HeaderTooLarge,
    /// <summary>The declared header length runs past the end of the file.</summary>
    InvalidHeaderLength,
    /// <summary>The header bytes are not valid UTF-8.</summary>
    InvalidHeader,
    /// <summary>The header is not a JSON object of the expected shape (fields, dtype names,
    /// integer shapes and offsets, string-only metadata, no duplicate keys).</summary>
    InvalidHeaderDeserialization,
    /// <summary>Tensor offsets do not tile the data buffer contiguously from 0.</summary>
    InvalidOffset,
    /// <summary>Element or byte count of a shape overflows 64 bits.</summary>
    ValidationOverflow,
    /// <summary>A sub-byte dtype whose tensor does not fill a whole number of bytes.</summary>
    MisalignedSlice,
    /// <summary>A tensor's byte range does not match its shape and dtype.</summary>
    TensorInvalidInfo,
    /// <summary>The data buffer does not end exactly where the last tensor ends
    /// (trailing bytes, or a truncated file).</summary>
    MetadataIncompleteBuffer,
}

/// <summary>
/// A safetensors file broke the format. The one exception type for every violation, so callers
/// catch one thing; <see cref="Error"/> says which rule, and the message names the file, the
/// tensor, the byte offset and what was expected. An <see cref="IOException"/>, so code that
/// handles "could not load this checkpoint" catches it with the other I/O failures.
/// </summary>
/// <param name="error">The rule that was broken.</param>
/// <param name="source">The file path (or caller-supplied name) being read, when known.</param>
/// <param name="tensorName">The tensor at fault, when the violation concerns one.</param>
/// <param name="fileOffset">Absolute byte offset in the file where the problem was found, when known.</param>
/// <param name="message">What was expected and what was found.</param>
/// <param name="inner">The failure underneath, if any.</param>
/// <remarks>Prefer the reader's own factory for consistent messages.</remarks>
public sealed class SafeTensorsFormatException(SafeTensorsError error, string? source, string? tensorName,
    long? fileOffset, string message, Exception? inner = null)
    : IOException(Compose(error, source, tensorName, fileOffset, message), inner)
{
    /// <summary>The rule that was broken.</summary>
    public SafeTensorsError Error { get; } = error;

    /// <summary>The file path (or caller-supplied name) being read, when known.</summary>
    public string? FilePath { get; } = source;

    /// <summary>The tensor at fault, when the violation concerns one.</summary>
    public string? TensorName { get; } = tensorName;

    /// <summary>Absolute byte offset in the file where the problem was found, when known.</summary>
    public long? FileOffset { get; } = fileOffset;

    private static string Compose(SafeTensorsError error, string? source, string? tensor, long? offset,
        string message)
    {
        var where = source ?? "<safetensors data>";
        if (tensor is not null)
            where += $": tensor '{DisplayText.Clip(tensor)}'";
        if (offset is { } at)
            where += $" at file offset {at}";
        return $"{where}: {message} [{error}]";
    }
}
