namespace AutoLoRa.Core.Backends;

/// <summary>Checks of the layout primitives.</summary>
public static partial class PrimitiveChecks
{
    /// <summary>
    /// <see cref="Backend.SwapAxes"/>: x and y hold outer·a·b·inner float32 elements each (zero sizes
    /// allowed: nothing to move) and are different buffers, since an in-place swap would read
    /// elements it already overwrote.
    /// </summary>
    public static void SwapAxes(int outer, int a, int b, int inner, DeviceBuffer x, DeviceBuffer y)
    {
        const string primitive = nameof(Backend.SwapAxes);
        var at = new SwapGeometry(outer, a, b, inner);
        long length = Product(primitive, at, outer, a, b, inner);
        RequireAll(primitive, length, at, [(x, "x"), (y, "y")]);
        if (ReferenceEquals(x, y)) throw new BackendException($"{primitive}: y must not be x ({at}); write into a new buffer.");
    }

    /// <summary>
    /// <see cref="Backend.CopyRows"/>: sizes, offsets and strides are not negative (zero rows or width:
    /// nothing to move), the last row of each side lies inside its buffer, y's rows do not overlap
    /// (a stride below the width would write one float twice, in an order the backends do not
    /// share), and y is not x.
    /// </summary>
    public static void CopyRows(int rows, int width, DeviceBuffer x, int xOffset, int xStride, DeviceBuffer y, int yOffset, int yStride)
    {
        const string primitive = nameof(Backend.CopyRows);
        var at = new CopyRowsGeometry(rows, width, xOffset, xStride, yOffset, yStride);
        if (rows < 0 || width < 0 || xOffset < 0 || xStride < 0 || yOffset < 0 || yStride < 0)
        {
            throw new BackendException($"{primitive}: sizes, offsets and strides must not be negative ({at}).");
        }
        if (rows > 1 && yStride < width) throw new BackendException($"{primitive}: y's rows overlap (yStride below width, {at}).");
        long rowsAfterFirst = Math.Max(0, rows - 1);
        long xEnd = rows == 0 || width == 0 ? 0 : xOffset + rowsAfterFirst * xStride + width;
        long yEnd = rows == 0 || width == 0 ? 0 : yOffset + rowsAfterFirst * yStride + width;
        Require(primitive, "x", x, xEnd, at);
        Require(primitive, "y", y, yEnd, at);
        if (ReferenceEquals(x, y)) throw new BackendException($"{primitive}: y must not be x ({at}); copy into another buffer.");
    }

    /// <summary>A strided copy of rows × width floats.</summary>
    private readonly record struct CopyRowsGeometry(int Rows, int Width, int XOffset, int XStride, int YOffset, int YStride);

    /// <summary>x (outer, a, b, inner) becoming y (outer, b, a, inner).</summary>
    private readonly record struct SwapGeometry(int Outer, int A, int B, int Inner);
}
