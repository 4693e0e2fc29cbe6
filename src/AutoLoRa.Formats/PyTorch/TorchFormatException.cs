namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// A PyTorch checkpoint could not be read: a broken or truncated archive, a pickle opcode or
/// global outside the weights-only allowlist, a storage whose size disagrees with its tensors.
/// The message names the file, where in it the problem was found, and what was expected. An
/// <see cref="IOException"/>, so callers that handle "could not load this checkpoint" catch it
/// with other I/O failures.
/// </summary>
public sealed class TorchFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">File path or caller-supplied name; null when unknown.</param>
    /// <param name="message">What was wrong.</param>
    /// <param name="inner">The underlying failure, if any.</param>
    public TorchFormatException(string? source, string message, Exception? inner = null)
        : base($"{source ?? "<torch checkpoint>"}: {message}", inner)
    {
        FilePath = source;
    }

    /// <summary>The file (or caller-supplied name) being read, when known.</summary>
    public string? FilePath { get; }
}
