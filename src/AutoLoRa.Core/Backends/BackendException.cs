namespace AutoLoRa.Core.Backends;

/// <summary>A backend could not do what was asked: unsupported arguments, or a native failure.</summary>
public class BackendException : Exception
{
    /// <summary>A failure with its reason and fix in <paramref name="message"/>.</summary>
    public BackendException(string message) : base(message) { }

    /// <summary>A failure with its reason and fix in <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public BackendException(string message, Exception inner) : base(message, inner) { }
}
