using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>
    /// Throws a <see cref="BackendException"/> naming the primitive, the operand and the geometry
    /// when <paramref name="buffer"/> is too short for it or holds the wrong element type, so a
    /// caller's mistake never surfaces as an IndexOutOfRangeException deep inside a kernel.
    /// </summary>
    private static void RequireBuffer<TGeometry>(string primitive, string operand, DeviceBuffer buffer, long expected, TGeometry geometry, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(buffer, operand);
        if (buffer.DType != dtype)
        {
            throw new BackendException($"{primitive}: {operand} must be a {dtype} buffer, got {buffer.DType} ({geometry}).");
        }
        if (buffer.Length < expected)
        {
            throw new BackendException($"{primitive}: {operand} has {buffer.Length} elements, expected {expected} for {geometry}.");
        }
    }

    /// <summary>Element count of a block with the given dimensions, checked to fit one array.</summary>
    private static long Count<TGeometry>(string primitive, TGeometry geometry, params ReadOnlySpan<int> dims)
    {
        long total = 1;
        foreach (int d in dims)
        {
            if (d <= 0) throw new BackendException($"{primitive}: every size must be positive ({geometry}).");
            total *= d;
            if (total > Array.MaxLength) throw new BackendException($"{primitive}: {geometry} needs more than {Array.MaxLength} elements in one buffer.");
        }
        return total;
    }

    /// <summary>The (N, C, HW) view of batch-norm and global pooling, for error messages.</summary>
    private readonly record struct PlaneGeometry(int N, int C, int Hw);
}
