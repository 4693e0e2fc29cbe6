using AutoLoRa.Core;

namespace AutoLoRa.Cpu;

/// <summary>
/// The managed CPU backend: the numerical reference for every test and the default everywhere.
/// Split by primitive family into partial files (Gemm, Convolution, Normalization, Pooling,
/// Elementwise, Fused); this file holds buffer management.
/// </summary>
public sealed partial class CpuBackend : Backend
{
    private readonly CpuBufferPool _buffers = new();

    public override string Name => Winograd ? "cpu" : "cpu-exact";

    /// <summary>Threads the CPU primitives run on (one per logical processor).</summary>
    public static int Threads => CpuParallel.WorkerCount;

    /// <summary>Host arrays allocated because the cache had none of the right size.</summary>
    public long CacheMisses => _buffers.Arrays.Misses;

    protected override DeviceBuffer AllocateCore(int length, DType dtype) => _buffers.Rent(length, dtype);

    protected override void UploadCore(ReadOnlySpan<float> source, DeviceBuffer destination, int destinationOffset) =>
        source.CopyTo(Floats(destination).AsSpan(destinationOffset, source.Length));

    protected override void UploadCore(ReadOnlySpan<int> source, DeviceBuffer destination, int destinationOffset) =>
        source.CopyTo(Ints(destination).AsSpan(destinationOffset, source.Length));

    protected override void DownloadCore(DeviceBuffer source, Span<float> destination, int sourceOffset) =>
        Floats(source).AsSpan(sourceOffset, destination.Length).CopyTo(destination);

    protected override void DownloadCore(DeviceBuffer source, Span<int> destination, int sourceOffset) =>
        Ints(source).AsSpan(sourceOffset, destination.Length).CopyTo(destination);

    protected override void CopyCore(BufferSlice source, BufferSlice destination, int count)
    {
        var src = (CpuBuffer)source.Buffer;
        var dst = (CpuBuffer)destination.Buffer;
        if (src.DType != dst.DType) throw new BackendException($"Copy between {src.DType} and {dst.DType} buffers.");
        if (src.DType == DType.Float32) Floats(src).AsSpan(source.Offset, count).CopyTo(Floats(dst).AsSpan(destination.Offset, count));
        else Ints(src).AsSpan(source.Offset, count).CopyTo(Ints(dst).AsSpan(destination.Offset, count));
    }

    protected override void FillCore(DeviceBuffer destination, float value) => Floats(destination).AsSpan(0, destination.Length).Fill(value);

    public override void Synchronize()
    {
    }

    protected override void Dispose(bool disposing) => _buffers.Trim();

    /// <summary>Drops cached host arrays (for memory reports and long-lived processes).</summary>
    public void TrimCache() => _buffers.Trim();

    internal static float[] Floats(DeviceBuffer buffer) => buffer is CpuBuffer { Floats: { } f }
        ? f
        : throw new BackendException(buffer is CpuBuffer ? "Expected a float32 buffer (was it released or int32?)." : $"Buffer of {buffer.GetType().Name} passed to the CPU backend.");

    internal static int[] Ints(DeviceBuffer buffer) => buffer is CpuBuffer { Ints: { } i }
        ? i
        : throw new BackendException(buffer is CpuBuffer ? "Expected an int32 buffer (was it released or float32?)." : $"Buffer of {buffer.GetType().Name} passed to the CPU backend.");

    /// <summary>The first <paramref name="length"/> floats of a buffer.</summary>
    internal static Span<float> Span(DeviceBuffer buffer, int length) => Floats(buffer).AsSpan(0, length);
}
