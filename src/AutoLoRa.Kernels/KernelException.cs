namespace AutoLoRa.Kernels;

/// <summary>A kernel could not be found, loaded or launched; the message names the kernel and the cause.</summary>
public sealed class KernelException : Exception
{
    /// <summary>A kernel failure with its reason and fix in <paramref name="message"/>.</summary>
    public KernelException(string message) : base(message)
    {
    }
}
