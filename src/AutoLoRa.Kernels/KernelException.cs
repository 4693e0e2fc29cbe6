namespace AutoLoRa.Kernels;

/// <summary>A kernel could not be found, loaded or launched; the message names the kernel and the cause.</summary>
public sealed class KernelException : Exception
{
    public KernelException(string message) : base(message)
    {
    }
}
