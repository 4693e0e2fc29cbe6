namespace AutoLoRa.Data;

/// <summary>
/// The one error type of the data layer: a dataset file that is missing or malformed, or a data
/// flag (<c>--data</c>, <c>--classes</c>, split fraction) that cannot be honoured. The message
/// names the file or flag at fault, the byte offset where relevant, what was expected, and how
/// to get the data when it is absent.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public DataFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception wrapping a lower-level cause (an I/O or gzip error).</summary>
    public DataFormatException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>A malformed-content error at a byte offset of a file.</summary>
    internal static DataFormatException At(string path, long offset, string expected) =>
        new($"{path}: at byte offset {offset}: {expected}.");
}
