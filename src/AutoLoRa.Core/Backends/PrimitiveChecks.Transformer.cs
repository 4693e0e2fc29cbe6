namespace AutoLoRa.Core.Backends;

/// <summary>Checks of the LayerNorm primitives.</summary>
public static partial class PrimitiveChecks
{
    /// <summary>
    /// A LayerNorm primitive over a (rows, cols) matrix: the two matrix operands rows·cols, the
    /// per-column operands (γ, β or their gradients) cols and the per-row statistics rows, all float32.
    /// </summary>
    public static void LayerNorm(string primitive, int rows, int cols, (DeviceBuffer Buffer, string Name) first,
        (DeviceBuffer Buffer, string Name) second, ReadOnlySpan<(DeviceBuffer Buffer, string Name)> perColumn,
        ReadOnlySpan<(DeviceBuffer Buffer, string Name)> perRow)
    {
        var at = new RowsGeometry(rows, cols, "cols");
        RequireAll(primitive, Product(primitive, at, rows, cols), at, [first, second]);
        RequireAll(primitive, cols, at, perColumn);
        RequireAll(primitive, rows, at, perRow);
    }
}
