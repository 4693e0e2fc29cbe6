using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>
    /// Throws a <see cref="BackendException"/> naming the primitive, the operand and the geometry
    /// when <paramref name="buffer"/> is too short for it or holds the wrong element type, so a
    /// caller's mistake never surfaces as an IndexOutOfRangeException deep inside a kernel.
    /// </summary>
    private static void RequireBuffer(string primitive, string operand, DeviceBuffer buffer, long expected, object geometry, DType dtype = DType.Float32)
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

    /// <summary>Element count of an (a, b, c, d) block, checked for int overflow.</summary>
    private static long Count(string primitive, object geometry, params ReadOnlySpan<int> dims)
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
}
