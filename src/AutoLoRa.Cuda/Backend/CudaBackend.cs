using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda;

/// <summary>
/// <see cref="Backend"/> on a CUDA device runtime (native or emulated): row-major GEMM mapped onto
/// column-major cuBLAS, convolution / batch-norm / average pooling through the cuDNN-shaped calls,
/// and our kernels (kernels/*.cu, see <see cref="KernelTable"/>) for the rest. Work is queued in
/// order; the host waits only in Download and Synchronize. Errors a kernel detects on the device
/// (a label outside the class range) set a device flag that is reported at the next Download or
/// Synchronize; MaxPool2dBackward checks its argmax right away because the contract says so (one
/// wait per call). Split by primitive family into partial files.
/// </summary>
public sealed unsafe partial class CudaBackend : Backend
{
    private readonly IDeviceRuntime _runtime;
    private readonly KernelLaunchers _kernels;
    private readonly DeviceAllocator _allocator;
    private readonly CudaBuffer _errorFlag;
    private readonly bool _ownsRuntime;

    /// <param name="runtime">The device runtime; disposed with the backend when <paramref name="ownsRuntime"/>.</param>
    /// <param name="ownsRuntime">Whether disposing the backend disposes the runtime.</param>
    public CudaBackend(IDeviceRuntime runtime, bool ownsRuntime = true)
    {
        _runtime = runtime;
        _kernels = new KernelLaunchers(runtime);
        _ownsRuntime = ownsRuntime;
        _allocator = new DeviceAllocator(runtime);
        _errorFlag = _allocator.Rent(1, DType.Int32);
        _runtime.Fill32(_errorFlag.Pointer, 0, 1);
    }

    /// <inheritdoc/>
    public override string Name => _runtime.Name;

    /// <summary>The runtime under this backend (for selftests and diagnostics).</summary>
    public IDeviceRuntime Runtime => _runtime;

    /// <inheritdoc/>
    public override MatrixPrecision Precision => _runtime.Precision;

    /// <summary>
    /// The device address of a float buffer of this backend holding at least <paramref name="elements"/>
    /// elements, for a library that works on device memory itself (NCCL's collectives); valid while
    /// a tensor holds the buffer.
    /// </summary>
    public ulong DevicePointer(DeviceBuffer buffer, int elements) => Buf(buffer, "DevicePointer", DType.Float32, elements).Pointer;

    /// <summary>Device allocations the caching allocator could not serve from its cache.</summary>
    public long CacheMisses => _allocator.Misses;

    /// <inheritdoc/>
    protected override DeviceBuffer AllocateCore(int length, DType dtype) => _allocator.Rent(length, dtype);

    /// <inheritdoc/>
    protected override void UploadCore(ReadOnlySpan<float> source, DeviceBuffer destination, int destinationOffset)
    {
        var dst = Buf(destination, "Upload", DType.Float32, destinationOffset + (long)source.Length);
        fixed (float* p = source) _runtime.CopyToDevice(dst.Pointer + (ulong)destinationOffset * 4, p, (nuint)source.Length * 4);
    }

    /// <inheritdoc/>
    protected override void UploadCore(ReadOnlySpan<int> source, DeviceBuffer destination, int destinationOffset)
    {
        var dst = Buf(destination, "Upload", DType.Int32, destinationOffset + (long)source.Length);
        fixed (int* p = source) _runtime.CopyToDevice(dst.Pointer + (ulong)destinationOffset * 4, p, (nuint)source.Length * 4);
    }

    /// <inheritdoc/>
    protected override void DownloadCore(DeviceBuffer source, Span<float> destination, int sourceOffset)
    {
        var src = Buf(source, "Download", DType.Float32, sourceOffset + (long)destination.Length);
        fixed (float* p = destination) _runtime.CopyToHost(p, src.Pointer + (ulong)sourceOffset * 4, (nuint)destination.Length * 4);
        ThrowDeviceErrors();
    }

    /// <inheritdoc/>
    protected override void DownloadCore(DeviceBuffer source, Span<int> destination, int sourceOffset)
    {
        var src = Buf(source, "Download", DType.Int32, sourceOffset + (long)destination.Length);
        fixed (int* p = destination) _runtime.CopyToHost(p, src.Pointer + (ulong)sourceOffset * 4, (nuint)destination.Length * 4);
        ThrowDeviceErrors();
    }

    /// <inheritdoc/>
    protected override void CopyCore(BufferSlice source, BufferSlice destination, int count)
    {
        if (source.Buffer.DType != destination.Buffer.DType) throw new BackendException($"Copy between {source.Buffer.DType} and {destination.Buffer.DType} buffers.");
        var src = Buf(source.Buffer, "Copy", source.Buffer.DType, source.Offset + (long)count);
        var dst = Buf(destination.Buffer, "Copy", destination.Buffer.DType, destination.Offset + (long)count);
        if (count > 0) _runtime.CopyDeviceToDevice(dst.Pointer + (ulong)destination.Offset * 4, src.Pointer + (ulong)source.Offset * 4, (nuint)count * 4);
    }

    /// <inheritdoc/>
    protected override void FillCore(DeviceBuffer destination, float value)
    {
        var dst = Buf(destination, "Fill", DType.Float32, 0);
        if (dst.Length > 0) _runtime.Fill32(dst.Pointer, BitConverter.SingleToUInt32Bits(value), (nuint)dst.Length);
    }

    /// <inheritdoc/>
    public override void Synchronize()
    {
        _runtime.Synchronize();
        ThrowDeviceErrors();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        _errorFlag.Release();
        _allocator.Dispose();
        if (_ownsRuntime) _runtime.Dispose();
    }

    /// <summary>Reads the device error flag (the caller has just waited for the stream) and reports it.</summary>
    private void ThrowDeviceErrors()
    {
        int flag;
        _runtime.CopyToHost(&flag, _errorFlag.Pointer, 4);
        if (flag == 0) return;
        _runtime.Fill32(_errorFlag.Pointer, 0, 1);
        throw new BackendException(flag switch
        {
            1 => "SoftmaxCrossEntropyForward: a label is outside [0, classes) (detected on the device; reported at the next synchronisation).",
            2 => "MaxPool2dBackward: an argmax index is outside its input plane.",
            _ => $"A kernel reported device error code {flag}.",
        });
    }

    /// <summary>The CUDA buffer behind <paramref name="buffer"/>, checked for owner, element type and length.</summary>
    private static CudaBuffer Buf(DeviceBuffer buffer, string op, DType dtype, long needed)
    {
        if (buffer is not CudaBuffer cuda) throw new BackendException($"{op}: buffer of {buffer?.GetType().Name ?? "null"} passed to the CUDA backend.");
        if (cuda.DType != dtype) throw new BackendException($"{op}: expected a {dtype} buffer, got {cuda.DType}.");
        if (cuda.Length < needed) throw new BackendException($"{op}: buffer has {cuda.Length} elements, needs {needed}.");
        return cuda;
    }

    /// <summary>
    /// The device pointer of an operand. The shared <see cref="PrimitiveChecks"/> have already checked
    /// its element type and length; this is where the backend checks that the buffer is its own.
    /// </summary>
    private static ulong Ptr(DeviceBuffer buffer) => buffer is CudaBuffer cuda
        ? cuda.Pointer
        : throw new BackendException($"Buffer of {buffer?.GetType().Name ?? "null"} passed to the CUDA backend.");

    private static ulong Ptr(BufferSlice slice) => Ptr(slice.Buffer) + (ulong)slice.Offset * 4;
}
