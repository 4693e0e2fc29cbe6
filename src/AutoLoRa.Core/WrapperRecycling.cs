namespace AutoLoRa.Core;

/// <summary>
/// Whether the small objects around storage — <see cref="Tensor"/>s ended by a recycling
/// <see cref="TensorScope"/> and CPU buffer wrappers — are reused, so a steady training loop
/// allocates nothing on the managed heap. Off in Debug builds: there a tensor used after its
/// recycling scope ended throws <see cref="ObjectDisposedException"/> instead of silently reading
/// whatever tensor reused the object, which is how such lifetime bugs are caught.
/// </summary>
public static class WrapperRecycling
{
#if DEBUG
    /// <summary>Off in Debug builds: a tensor used after its scope ended throws.</summary>
    public static readonly bool Enabled = false;
#else
    /// <summary>On in Release builds: warm steps allocate no wrapper objects.</summary>
    public static readonly bool Enabled = true;
#endif
}
