namespace AutoLoRa.Core.Backends;

/// <summary>Checks of the LayerNorm and attention primitives.</summary>
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

    /// <summary>
    /// <see cref="Backend.AttentionForward"/>: positive sizes, qkv N·T·3·H·Dh and o N·T·H·Dh
    /// float32, and the (N, H, T, T) attention matrices a backend may need within an array's reach.
    /// </summary>
    public static void AttentionForward(int n, int t, int heads, int headDim, DeviceBuffer qkv, DeviceBuffer o) =>
        Attention(nameof(Backend.AttentionForward), n, t, heads, headDim, [(qkv, "qkv")], [(o, "o")]);

    /// <summary><see cref="Backend.AttentionBackward"/>: as the forward, with qkv and dqkv N·T·3·H·Dh and dO N·T·H·Dh.</summary>
    public static void AttentionBackward(int n, int t, int heads, int headDim, DeviceBuffer qkv, DeviceBuffer dO, DeviceBuffer dqkv) =>
        Attention(nameof(Backend.AttentionBackward), n, t, heads, headDim, [(qkv, "qkv"), (dqkv, "dqkv")], [(dO, "dO")]);

    private static void Attention(string op, int n, int t, int heads, int headDim,
        ReadOnlySpan<(DeviceBuffer Buffer, string Name)> packed, ReadOnlySpan<(DeviceBuffer Buffer, string Name)> merged)
    {
        var at = new AttentionGeometry(n, t, heads, headDim);
        RequireAll(op, Count(op, at, n, t, 3, heads, headDim), at, packed);
        RequireAll(op, Count(op, at, n, t, heads, headDim), at, merged);
        Count(op, at, n, heads, t, t);
    }

    private readonly record struct AttentionGeometry(int N, int T, int Heads, int HeadDim);
}
