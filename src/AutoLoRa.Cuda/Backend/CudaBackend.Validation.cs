using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>Argument checks with the same wording as CpuBackend's, so errors read alike on every backend.</summary>
public sealed partial class CudaBackend
{
    private static void Require<TGeometry>(string op, string operand, DeviceBuffer buffer, long expected, TGeometry geometry, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(buffer, operand);
        if (buffer is not CudaBuffer) throw new BackendException($"{op}: {operand} is a {buffer.GetType().Name}, not a CUDA buffer ({geometry}).");
        if (buffer.DType != dtype) throw new BackendException($"{op}: {operand} must be a {dtype} buffer, got {buffer.DType} ({geometry}).");
        if (buffer.Length < expected) throw new BackendException($"{op}: {operand} has {buffer.Length} elements, expected {expected} for {geometry}.");
    }

    private static long Count<TGeometry>(string op, TGeometry geometry, params ReadOnlySpan<int> dims)
    {
        long total = 1;
        foreach (int d in dims)
        {
            if (d <= 0) throw new BackendException($"{op}: every size must be positive ({geometry}).");
            total *= d;
            if (total > Array.MaxLength) throw new BackendException($"{op}: {geometry} needs more than {Array.MaxLength} elements in one buffer.");
        }
        return total;
    }

    /// <summary>Elementwise ops: every operand holds at least <paramref name="length"/> floats.</summary>
    private static void RequireLength(string op, int length, params ReadOnlySpan<(DeviceBuffer? Buffer, string Name)> operands)
    {
        if (length < 0) throw new BackendException($"{op}: negative length {length}.");
        foreach (var (buffer, name) in operands)
        {
            if (buffer is not null) Require(op, name, buffer, length, new { length });
        }
    }

    private readonly record struct PlaneGeometry(int N, int C, int Hw);
}
