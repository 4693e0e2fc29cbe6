using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using AutoLoRa.Core.Backends;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Runtime;

/// <summary>
/// The device runtime without a GPU: "device" memory is aligned host memory, our kernels run
/// from the host emulation build of kernels/*.cu (<see cref="HostKernelLibrary"/>), and the cuBLAS
/// and cuDNN calls are reference implementations of their documented semantics, including their
/// parameter checks (reported with cuBLAS's and cuDNN 9's status names). Everything is
/// synchronous, so the stream order holds trivially. Split by library into partial files.
/// </summary>
public sealed unsafe partial class EmulatedRuntime : IDeviceRuntime
{
    /// <summary>cudaMalloc's alignment guarantee (256 bytes), so vectorised kernels behave alike.</summary>
    private const nuint Alignment = 256;

    private readonly HostKernelLibrary _kernels;
    private readonly ConcurrentDictionary<ulong, nuint> _live = new();

    /// <summary>Loads the host kernel library; throws <see cref="KernelException"/> with the reason when it is missing.</summary>
    /// <param name="multiprocessorCount">What the grid-size heuristic is told.</param>
    /// <param name="precision">
    /// The arithmetic of GEMMs and convolutions: TF32 rounds every multiply's inputs as Ampere's
    /// tensor cores do (<see cref="Tf32.Round"/>), the sums staying in double; the emulated device
    /// has them whatever it is asked.
    /// </param>
    public EmulatedRuntime(int multiprocessorCount = 4, MatrixPrecision precision = MatrixPrecision.Fp32)
    {
        _kernels = HostKernelLibrary.Load();
        MultiprocessorCount = multiprocessorCount;
        Precision = precision;
    }

    /// <inheritdoc/>
    public MatrixPrecision Precision { get; }

    /// <summary>A multiply's input as the device's matrix units see it (rounded to TF32 under <see cref="MatrixPrecision.Tf32"/>).</summary>
    private float Operand(float value) => Operand(value, Tf32Operands);

    /// <summary>Whether multiplies round their operands to TF32 first, as tensor cores do.</summary>
    private bool Tf32Operands => Precision == MatrixPrecision.Tf32;

    private static float Operand(float value, bool tf32) => tf32 ? Tf32.Round(value) : value;

    /// <inheritdoc/>
    public string Name => "cuda-emu";

    /// <inheritdoc/>
    public int MultiprocessorCount { get; }

    /// <summary>Bytes currently allocated (for leak checks in tests).</summary>
    public long LiveBytes => _live.Values.Aggregate(0L, (sum, b) => sum + (long)b);

    /// <inheritdoc/>
    public ulong Allocate(nuint bytes)
    {
        if (bytes == 0) throw new CudaException("driver", "cuMemAlloc_v2", 1, "CUDA_ERROR_INVALID_VALUE", "bytesize is 0");
        var pointer = (ulong)NativeMemory.AlignedAlloc(bytes, Alignment);
        _live[pointer] = bytes;
        return pointer;
    }

    /// <inheritdoc/>
    public void Free(ulong pointer)
    {
        if (!_live.TryRemove(pointer, out _)) throw new CudaException("driver", "cuMemFree_v2", 1, "CUDA_ERROR_INVALID_VALUE", $"0x{pointer:x} is not an allocation");
        NativeMemory.AlignedFree((void*)pointer);
    }

    /// <inheritdoc/>
    public void CopyToDevice(ulong destination, void* source, nuint bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

    /// <inheritdoc/>
    public void CopyToHost(void* destination, ulong source, nuint bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

    /// <inheritdoc/>
    public void CopyDeviceToDevice(ulong destination, ulong source, nuint bytes) =>
        Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);

    /// <inheritdoc/>
    public void Fill32(ulong destination, uint value, nuint count) => new Span<uint>((void*)destination, checked((int)count)).Fill(value);

    /// <inheritdoc/>
    public void Launch(string kernel, Dim3 grid, Dim3 block, uint sharedBytes, void** args) =>
        _kernels.Launch(kernel, (grid.X, grid.Y, grid.Z), (block.X, block.Y, block.Z), sharedBytes, args);

    /// <inheritdoc/>
    public void Synchronize()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var pointer in _live.Keys)
        {
            if (_live.TryRemove(pointer, out _)) NativeMemory.AlignedFree((void*)pointer);
        }
    }

    private static CudaException BadParam(string call, string detail) =>
        new("cudnn", call, StatusNames.CuDnn9BadParam, "CUDNN_STATUS_BAD_PARAM", detail);
}
