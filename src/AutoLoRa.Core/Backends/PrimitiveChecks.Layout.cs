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

    /// <summary>x (outer, a, b, inner) becoming y (outer, b, a, inner).</summary>
    private readonly record struct SwapGeometry(int Outer, int A, int B, int Inner);
}
