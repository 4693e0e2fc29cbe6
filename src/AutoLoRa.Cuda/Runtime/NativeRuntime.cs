using System.Runtime.InteropServices;
using System.Text;
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
    public NativeRuntime(int ordinal = 0)
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
        // FP32 GEMMs stay FP32 (no TF32), so results match the CPU backend within float tolerance.
        Check.CuBlas(CuBlas.cublasSetMathMode(blas, cublasMath_t.Pedantic));
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

    public string Name => "cuda";

    public int MultiprocessorCount { get; }

    public (int Major, int Minor) ComputeCapability { get; }

    public string DeviceName { get; }

    public int CuBlasVersion { get; }

    public nuint CuDnnVersion { get; }

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

    public ulong Allocate(nuint bytes)
    {
        MakeCurrent();
        ulong pointer;
        Check.Driver(CudaDriver.cuMemAlloc(&pointer, bytes));
        return pointer;
    }

    public void Free(ulong pointer)
    {
        MakeCurrent();
        // cuMemFree waits for the device to stop using the block, so stream order is respected.
        Check.Driver(CudaDriver.cuMemFree(pointer));
    }

    // From pageable memory the driver stages the bytes before returning, so the caller may reuse
    // its span at once; the device-side copy stays ordered on the stream.
    public void CopyToDevice(ulong destination, void* source, nuint bytes)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemcpyHtoDAsync(destination, source, bytes, _stream.Value));
    }

    public void CopyToHost(void* destination, ulong source, nuint bytes)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemcpyDtoHAsync(destination, source, bytes, _stream.Value));
        Check.Driver(CudaDriver.cuStreamSynchronize(_stream.Value));
    }

    public void CopyDeviceToDevice(ulong destination, ulong source, nuint bytes)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemcpyDtoDAsync(destination, source, bytes, _stream.Value));
    }

    public void Fill32(ulong destination, uint value, nuint count)
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuMemsetD32Async(destination, value, count, _stream.Value));
    }

    public void Launch(string kernel, Dim3 grid, Dim3 block, uint sharedBytes, void** args)
    {
        MakeCurrent();
        if (!_functions.TryGetValue(kernel, out var function)) throw new KernelException($"Kernel '{kernel}' is not in the loaded PTX modules.");
        int status = CudaDriver.cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes, _stream.Value, args, null);
        if (status != 0) throw new CudaException("driver", "cuLaunchKernel", status, StatusNames.Driver(status), $"kernel {kernel}, grid {grid}, block {block}");
    }

    public void Synchronize()
    {
        MakeCurrent();
        Check.Driver(CudaDriver.cuStreamSynchronize(_stream.Value));
    }

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
