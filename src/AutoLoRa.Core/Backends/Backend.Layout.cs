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

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="width"/> floats, one strided copy:
    /// y[yOffset + r·yStride + c] = x[xOffset + r·xStride + c]. An xStride of 0 repeats one row
    /// (the class token in front of every sequence). y's rows must not overlap each other, and y
    /// must not be x.
    /// </summary>
    public void CopyRows(int rows, int width, DeviceBuffer x, int xOffset, int xStride, DeviceBuffer y, int yOffset, int yStride)
    {
        PrimitiveChecks.CopyRows(rows, width, x, xOffset, xStride, y, yOffset, yStride);
        using var timer = Profile(nameof(CopyRows));
        CopyRowsCore(rows, width, x, xOffset, xStride, y, yOffset, yStride);
    }

    /// <summary>This backend's <see cref="CopyRows"/>, called once the arguments passed its checks.</summary>
    protected abstract void CopyRowsCore(int rows, int width, DeviceBuffer x, int xOffset, int xStride, DeviceBuffer y, int yOffset, int yStride);
}
