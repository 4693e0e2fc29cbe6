namespace AutoLoRa.Core.Backends;

/// <summary>A backend could not do what was asked: unsupported arguments, or a native failure.</summary>
public class BackendException : Exception
{
    public BackendException(string message) : base(message) { }

    public BackendException(string message, Exception inner) : base(message, inner) { }
}
