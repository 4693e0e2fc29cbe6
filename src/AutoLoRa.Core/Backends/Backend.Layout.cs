namespace AutoLoRa.Core.Backends;

/// <summary>
/// Layout changes without arithmetic (kernels/layout.cu). Declared by hand because the check
/// multiplies four sizes, which the kernel-declared checks (one count, or rows × cols) do not.
/// </summary>
public abstract partial class Backend
{
    /// <summary>
    /// Exchanges the two middle axes of x (outer, a, b, inner) into y (outer, b, a, inner):
    /// y[o, j, i, r] = x[o, i, j, r]. y must not alias x.
    /// </summary>
    public void SwapAxes(int outer, int a, int b, int inner, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.SwapAxes(outer, a, b, inner, x, y);
        using var timer = Profile(nameof(SwapAxes));
        SwapAxesCore(outer, a, b, inner, x, y);
    }

    /// <summary>This backend's <see cref="SwapAxes"/>, called once the arguments passed its checks.</summary>
    protected abstract void SwapAxesCore(int outer, int a, int b, int inner, DeviceBuffer x, DeviceBuffer y);
}
