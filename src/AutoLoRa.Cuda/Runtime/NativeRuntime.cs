using System.Runtime.InteropServices;
using System.Text;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Interop;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Runtime;

/// <summary>
/// The device runtime on a real GPU: device 0's primary context, one non-blocking stream that
/// every copy, kernel, cuBLAS and cuDNN call is queued on, our PTX modules loaded once at start
/// (cuModuleLoadDataEx; a JIT failure throws with the JIT's error log), and cuDNN descriptors,
/// algorithm choices and workspace sizes cached per shape. Split into partial files: this one
/// holds the context, memory and kernels; NativeRuntime.Dnn.cs the cuBLAS/cuDNN calls.
/// </summary>
public sealed unsafe partial class NativeRuntime : IDeviceRuntime
{
    [ThreadStatic] private static nint _currentOnThread;

    private readonly int _device;
    private readonly nint _context;
    private readonly NativeHandle _stream;
    private readonly NativeHandle _cublas;
    private readonly NativeHandle _cudnn;
    private readonly List<NativeHandle> _modules = [];
    private readonly Dictionary<string, nint> _functions = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Opens device <paramref name="ordinal"/>; throws <see cref="CudaUnavailableException"/> with the reason when it cannot.</summary>
    /// <param name="ordinal">The device.</param>
    /// <param name="precision">
    /// The arithmetic of GEMMs and convolutions (<see cref="Precision"/>). FP32 by default: a library
    /// caller gets the CPU backend's arithmetic unless it asks for tensor cores; the CLI's default is
    /// TF32, as PyTorch's convolutions (<c>--precision</c>).
    /// </param>
    public NativeRuntime(int ordinal = 0, MatrixPrecision precision = MatrixPrecision.Fp32)
    {
        CudaAvailability.ThrowIfUnavailable();
        int device, sms, major, minor;
        Check.Driver(CudaDriver.cuDeviceGet(&device, ordinal));
        _device = device;
        nint context;
        Check.Driver(CudaDriver.cuDevicePrimaryCtxRetain(&context, device));
        _context = context;
        MakeCurrent();
        Check.Driver(CudaDriver.cuDeviceGetAttribute(&sms, CUdevice_attribute.MultiprocessorCount, device));
        Check.Driver(CudaDriver.cuDeviceGetAttribute(&major, CUdevice_attribute.ComputeCapabilityMajor, device));
        Check.Driver(CudaDriver.cuDeviceGetAttribute(&minor, CUdevice_attribute.ComputeCapabilityMinor, device));
        MultiprocessorCount = sms;
        ComputeCapability = (major, minor);
        DeviceName = ReadDeviceName(device);

        nint stream, blas, dnn;
        Check.Driver(CudaDriver.cuStreamCreate(&stream, CudaDriverConstants.StreamNonBlocking));
        _stream = new NativeHandle(stream, CudaDriver.cuStreamDestroy);
        Check.CuBlas(CuBlas.cublasCreate(&blas));
        _cublas = new NativeHandle(blas, CuBlas.cublasDestroy);
        Check.CuBlas(CuBlas.cublasSetStream(blas, stream));
        // TF32 tensor cores exist from compute capability 8.0 (Ampere); an older device computes FP32 whatever it is asked.
        Precision = major >= 8 ? precision : MatrixPrecision.Fp32;
        Check.CuBlas(CuBlas.cublasSetMathMode(blas, BlasMath(Precision)));
        CuDnnVersion = CuDnn.cudnnGetVersion();
        CuDnnMajor = StatusNames.CuDnnMajor(CuDnnVersion);
        Check.CuDnn(CuDnn.cudnnCreate(&dnn), CuDnnMajor);
        _cudnn = new NativeHandle(dnn, CuDnn.cudnnDestroy);
        Check.CuDnn(CuDnn.cudnnSetStream(dnn, stream), CuDnnMajor);
        int blasVersion;
        Check.CuBlas(CuBlas.cublasGetVersion(blas, &blasVersion));
        CuBlasVersion = blasVersion;
        LoadModules(PtxArch);
    }

    /// <inheritdoc/>
    public string Name => "cuda";

    /// <inheritdoc/>
    public int MultiprocessorCount { get; }

    /// <summary>The device's compute capability.</summary>
    public (int Major, int Minor) ComputeCapability { get; }

    /// <summary>The device's name, as the driver reports it.</summary>
    public string DeviceName { get; }

    /// <summary>
    /// The arithmetic of GEMMs (the cuBLAS handle's math mode) and convolutions (each convolution
    /// descriptor's math type): TF32 when asked for and the device has TF32 tensor cores, else FP32.
    /// </summary>
    public MatrixPrecision Precision { get; }

    /// <summary>
    /// The cuBLAS math mode for a precision (cuBLAS guide, cublasMath_t). FP32: CUBLAS_DEFAULT_MATH,
    /// which for single-precision routines computes with at least FP32's mantissa and exponent (the
    /// mode PyTorch sets with TF32 off; PEDANTIC would also forgo faster FP32 kernels, which only a
    /// numerics study needs). TF32: CUBLAS_TF32_TENSOR_OP_MATH, which lets Sgemm and
    /// SgemmStridedBatched use TF32 tensor cores without changing the calls (cublasGemmEx with
    /// CUBLAS_COMPUTE_32F_FAST_TF32 would do the same per call).
    /// </summary>
    private static cublasMath_t BlasMath(MatrixPrecision precision) =>
        precision == MatrixPrecision.Tf32 ? cublasMath_t.Tf32TensorOp : cublasMath_t.Default;

    /// <summary>The math mode the cuBLAS handle reports (cublasGetMathMode), as the library itself has it.</summary>
    public string BlasMathMode
    {
        get
        {
            MakeCurrent();
            cublasMath_t mode;
            Check.CuBlas(CuBlas.cublasGetMathMode(_cublas.Value, &mode));
            return mode switch
            {
                cublasMath_t.Default => "CUBLAS_DEFAULT_MATH",
                cublasMath_t.Pedantic => "CUBLAS_PEDANTIC_MATH",
                cublasMath_t.Tf32TensorOp => "CUBLAS_TF32_TENSOR_OP_MATH",
                _ => $"cublasMath_t {(int)mode}",
            };
        }
    }

    /// <summary>cuBLAS's version number (cublasGetVersion).</summary>
    public int CuBlasVersion { get; }

    /// <summary>cuDNN's version number (cudnnGetVersion).</summary>
    public nuint CuDnnVersion { get; }

    /// <summary>cuDNN's major version.</summary>
    public int CuDnnMajor { get; }

    /// <summary>Kernels looked up in the loaded PTX modules (every name in <see cref="KernelTable"/>).</summary>
    public int LoadedKernelCount => _functions.Count;

    /// <summary>
    /// The embedded PTX architecture loaded for this device: the newest the device can run
    /// (<see cref="KernelSources.ArchitectureFor"/>), so a build for other targets ("75;80", or
    /// nvcc 13's) loads what it has rather than a name it lacks.
    /// </summary>
    public string PtxArch => KernelSources.ArchitectureFor(ComputeCapability.Major, ComputeCapability.Minor)
        ?? throw new KernelException(KernelSources.Architectures.Count == 0
            ? KernelSources.BuildSkipReason ?? "No PTX is embedded in AutoLoRa.Kernels."
            : $"{DeviceName} (sm_{ComputeCapability.Major}{ComputeCapability.Minor}) is older than every embedded PTX target " +
              $"({string.Join(", ", KernelSources.Architectures)}); rebuild with -DAUTOLORA_PTX_ARCHS including {ComputeCapability.Major}{ComputeCapability.Minor}.");

    /// <inheritdoc/>
    public ulong Allocate(nuint bytes)
    {
        MakeCurrent();
        ulong pointer;
        Check.Driver(CudaDriver.cuMemAlloc(&pointer, bytes));
        return pointer;
    }

    /// <inheritdoc/>
    public void Free(ulong pointer)
    {
        MakeCurrent();
        // cuMemFree waits for the device to stop using the block, so stream order is respected.
        Check.Driver(CudaDriver.cuMemFree(pointer));
    }

    // From pageable memory the driver stages the bytes before returning, so the caller may reuse
    // its span at once; the device-side copy stays ordered on the stream.
    /// <inheritdoc/>
    public void CopyToDevice(ulong destination, void* source, nuint bytes)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemcpyHtoDAsync(destination, source, bytes, _stream.Value));
    }

    /// <inheritdoc/>
    public void CopyToHost(void* destination, ulong source, nuint bytes)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemcpyDtoHAsync(destination, source, bytes, _stream.Value));
        Check.Driver(CudaDriver.cuStreamSynchronize(_stream.Value));
    }

    /// <inheritdoc/>
    public void CopyDeviceToDevice(ulong destination, ulong source, nuint bytes)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemcpyDtoDAsync(destination, source, bytes, _stream.Value));
    }

    /// <inheritdoc/>
    public void Fill32(ulong destination, uint value, nuint count)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemsetD32Async(destination, value, count, _stream.Value));
    }

    /// <inheritdoc/>
    public void Launch(string kernel, Dim3 grid, Dim3 block, uint sharedBytes, void** args)
    {
        MakeCurrent();
        if (!_functions.TryGetValue(kernel, out var function)) throw new KernelException($"Kernel '{kernel}' is not in the loaded PTX modules.");
        int status = CudaDriver.cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes, _stream.Value, args, null);
        if (status != 0) throw new CudaException("driver", "cuLaunchKernel", status, StatusNames.Driver(status), $"kernel {kernel}, grid {grid}, block {block}");
    }

    /// <inheritdoc/>
    public void Synchronize()
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuStreamSynchronize(_stream.Value));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        MakeCurrent();
        CudaDriver.cuStreamSynchronize(_stream.Value);
        DisposeDescriptors();
        _cudnn.Dispose();
        _cublas.Dispose();
        foreach (var module in _modules) module.Dispose();
        _stream.Dispose();
        CudaDriver.cuDevicePrimaryCtxRelease(_device);
    }

    /// <summary>Binds the context to the calling thread (needed once per thread, for cuBLAS/cuDNN too).</summary>
    private void MakeCurrent()
    {
        if (_currentOnThread == _context) return;
        Check.Driver(CudaDriver.cuCtxSetCurrent(_context));
        _currentOnThread = _context;
    }

    /// <summary>What to do when the driver refuses the PTX's ISA version: its minimum driver, and this one.</summary>
    private static string DriverTooOld(int status, string ptx)
    {
        const int unsupportedPtxVersion = 222; // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
        if (status != unsupportedPtxVersion || PtxIsa.Of(ptx) is not { } isa) return "";
        int v = NativeLibraries.DriverVersion();
        return $". The PTX is {isa.Describe()} and this driver is CUDA {v / 1000}.{v % 1000 / 10}: update the driver, " +
               "or rebuild the kernels with clang, which pins ISA 7.0 (cmake -DAUTOLORA_CUDA_COMPILER=clang; README, \"Building the CUDA kernels\")";
    }

    private void LoadModules(string arch)
    {
        const int logSize = 16 * 1024;
        byte* log = stackalloc byte[logSize];
        var options = stackalloc CUjit_option[] { CUjit_option.ErrorLogBuffer, CUjit_option.ErrorLogBufferSizeBytes };
        void** values = stackalloc void*[2];
        foreach (var (family, kernels) in KernelTable.Families)
        {
            string ptx = KernelSources.GetPtx(family, arch);
            byte[] image = Encoding.ASCII.GetBytes(ptx + "\0");
            log[0] = 0;
            // The size slot is in/out (bytes written), so reset it for every module.
            values[0] = log;
            values[1] = (void*)(nuint)logSize;
            nint module;
            int status;
            fixed (byte* p = image) status = CudaDriver.cuModuleLoadDataEx(&module, p, 2, options, values);
            if (status != 0)
            {
                throw new CudaException("driver", "cuModuleLoadDataEx", status, StatusNames.Driver(status),
                    $"PTX {family}.{arch}; JIT log: {Marshal.PtrToStringUTF8((nint)log)}{DriverTooOld(status, ptx)}");
            }
            _modules.Add(new NativeHandle(module, CudaDriver.cuModuleUnload));
            foreach (var kernel in kernels)
            {
                nint function;
                byte[] name = Encoding.ASCII.GetBytes(kernel + "\0");
                fixed (byte* n = name) status = CudaDriver.cuModuleGetFunction(&function, module, n);
                if (status != 0) throw new CudaException("driver", "cuModuleGetFunction", status, StatusNames.Driver(status), $"{kernel} in {family}.{arch}");
                _functions[kernel] = function;
            }
        }
    }

    private static string ReadDeviceName(int device)
    {
        byte* name = stackalloc byte[256];
        Check.Driver(CudaDriver.cuDeviceGetName(name, 256, device));
        return Marshal.PtrToStringUTF8((nint)name) ?? "";
    }
}
