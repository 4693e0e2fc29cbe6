using System.Reflection;
using System.Runtime.InteropServices;
using AutoLoRa.Cuda.Interop;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Tests;

/// <summary>Checks that need no GPU: the PTX holds the launch table, the declarations follow the spec.</summary>
public sealed class BuildAndInteropTests
{
    // Exports per /work/shared/specs/cuda-interop-facts.md (§3.1, §4.1–4.2, §5.3).
    private static readonly HashSet<string> SpecExports =
    [
        "cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName", "cuDeviceGetAttribute", "cuDeviceTotalMem_v2",
        "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuCtxSetCurrent", "cuCtxGetCurrent", "cuCtxSynchronize",
        "cuStreamCreate", "cuStreamSynchronize", "cuStreamQuery", "cuStreamWaitEvent", "cuStreamDestroy_v2", "cuEventCreate", "cuEventRecord",
        "cuEventSynchronize", "cuEventQuery", "cuEventElapsedTime", "cuEventDestroy_v2", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemGetInfo_v2",
        "cuMemAllocAsync", "cuMemFreeAsync", "cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuMemcpyDtoD_v2", "cuMemcpyHtoDAsync_v2",
        "cuMemcpyDtoHAsync_v2", "cuMemcpyDtoDAsync_v2", "cuMemsetD8_v2", "cuMemsetD32_v2", "cuMemsetD8Async", "cuMemsetD32Async",
        "cuModuleLoadData", "cuModuleLoadDataEx", "cuModuleGetFunction", "cuModuleUnload", "cuLaunchKernel", "cuGetErrorName", "cuGetErrorString",
        "cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2", "cublasGetVersion_v2", "cublasSetMathMode", "cublasGetMathMode", "cublasSgemm_v2",
        "cublasSgemmStridedBatched", "cublasGemmEx", "cublasGetStatusString",
        "cudnnGetVersion", "cudnnGetErrorString", "cudnnCreate", "cudnnDestroy", "cudnnSetStream", "cudnnCreateTensorDescriptor",
        "cudnnDestroyTensorDescriptor", "cudnnSetTensor4dDescriptor", "cudnnCreateFilterDescriptor", "cudnnDestroyFilterDescriptor",
        "cudnnSetFilter4dDescriptor", "cudnnCreateConvolutionDescriptor", "cudnnDestroyConvolutionDescriptor", "cudnnSetConvolution2dDescriptor",
        "cudnnSetConvolutionMathType", "cudnnGetConvolution2dForwardOutputDim", "cudnnGetConvolutionForwardAlgorithm_v7",
        "cudnnFindConvolutionForwardAlgorithm", "cudnnGetConvolutionForwardWorkspaceSize", "cudnnGetConvolutionBackwardDataAlgorithm_v7",
        "cudnnFindConvolutionBackwardDataAlgorithm", "cudnnGetConvolutionBackwardDataWorkspaceSize", "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
        "cudnnFindConvolutionBackwardFilterAlgorithm", "cudnnGetConvolutionBackwardFilterWorkspaceSize", "cudnnConvolutionForward",
        "cudnnConvolutionBackwardData", "cudnnConvolutionBackwardFilter", "cudnnConvolutionBackwardBias", "cudnnAddTensor",
        "cudnnDeriveBNTensorDescriptor", "cudnnBatchNormalizationForwardTraining", "cudnnBatchNormalizationForwardInference",
        "cudnnBatchNormalizationBackward", "cudnnCreatePoolingDescriptor", "cudnnDestroyPoolingDescriptor", "cudnnSetPooling2dDescriptor",
        "cudnnPoolingForward", "cudnnPoolingBackward", "cudnnCreateActivationDescriptor", "cudnnDestroyActivationDescriptor",
        "cudnnSetActivationDescriptor", "cudnnActivationForward", "cudnnActivationBackward",
    ];

    // Un-suffixed exports of these are the legacy ABI (spec §3.1, §4.1): they must be bound as _v2.
    private static readonly string[] MustBeV2 =
    [
        "cuMemAlloc", "cuMemFree", "cuMemGetInfo", "cuMemcpyHtoD", "cuMemcpyDtoH", "cuMemcpyDtoD", "cuMemcpyHtoDAsync", "cuMemcpyDtoHAsync",
        "cuMemcpyDtoDAsync", "cuMemsetD8", "cuMemsetD32", "cuStreamDestroy", "cuEventDestroy", "cuDevicePrimaryCtxRelease", "cuDeviceTotalMem",
        "cublasCreate", "cublasDestroy", "cublasSetStream", "cublasSgemm", "cublasGetVersion",
    ];

    private static IEnumerable<(MethodInfo Method, LibraryImportAttribute Import)> Imports() =>
        new[] { typeof(CudaDriver), typeof(CuBlas), typeof(CuDnn) }
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public))
            .Select(m => (m, m.GetCustomAttribute<LibraryImportAttribute>()!))
            .Where(p => p.Item2 is not null);

    [Fact]
    public void Every_entry_point_is_an_export_named_in_the_spec()
    {
        var imports = Imports().ToList();
        Assert.True(imports.Count >= 80, $"only {imports.Count} imports found"); // a floor: reflection did find the bindings
        foreach (var (method, import) in imports)
        {
            Assert.True(import.EntryPoint is not null, $"{method.Name} has no explicit EntryPoint");
            Assert.Contains(import.EntryPoint, SpecExports);
            Assert.DoesNotContain(import.EntryPoint, MustBeV2);
        }
    }

    [Fact]
    public void Status_returning_strings_are_pointers_and_sizes_are_native()
    {
        foreach (var (method, _) in Imports())
        {
            Assert.NotEqual(typeof(string), method.ReturnType);
            foreach (var p in method.GetParameters()) Assert.NotEqual(typeof(string), p.ParameterType);
        }
        var alloc = typeof(CudaDriver).GetMethod(nameof(CudaDriver.cuMemAlloc), BindingFlags.Static | BindingFlags.Public)!;
        Assert.Equal([typeof(ulong*), typeof(nuint)], alloc.GetParameters().Select(p => p.ParameterType));
        var batched = typeof(CuBlas).GetMethod(nameof(CuBlas.cublasSgemmStridedBatched), BindingFlags.Static | BindingFlags.Public)!;
        Assert.Equal(3, batched.GetParameters().Count(p => p.ParameterType == typeof(long)));
        var bn = typeof(CuDnn).GetMethod(nameof(CuDnn.cudnnBatchNormalizationForwardTraining), BindingFlags.Static | BindingFlags.Public)!;
        Assert.Equal(2, bn.GetParameters().Count(p => p.ParameterType == typeof(double)));
    }

    [Fact]
    public unsafe void Perf_structs_match_the_header_layout()
    {
        // Marshal.SizeOf/OffsetOf refuse generic types; the layout is read from the struct itself.
        Assert.Equal(48, sizeof(cudnnConvolutionAlgoPerf_t<cudnnConvolutionFwdAlgo_t>));
        Assert.Equal(48, sizeof(cudnnConvolutionAlgoPerf_t<cudnnConvolutionBwdDataAlgo_t>));
        Assert.Equal(48, sizeof(cudnnConvolutionAlgoPerf_t<cudnnConvolutionBwdFilterAlgo_t>));
        var perf = default(cudnnConvolutionAlgoPerf_t<cudnnConvolutionBwdDataAlgo_t>);
        Assert.Equal(16, (int)((byte*)&perf.Memory - (byte*)&perf));
        Assert.Equal(24, (int)((byte*)&perf.Determinism - (byte*)&perf));
    }

    [Fact]
    public void Status_names_follow_each_cudnn_major()
    {
        Assert.Equal("CUDNN_STATUS_BAD_PARAM", StatusNames.CuDnn(3, 8));
        Assert.Equal("CUDNN_STATUS_BAD_PARAM", StatusNames.CuDnn(2000, 9));
        Assert.Equal("CUDNN_STATUS_NOT_SUPPORTED", StatusNames.CuDnn(9, 8));
        Assert.Equal(9, StatusNames.CuDnnMajor(90600));
        Assert.Equal(8, StatusNames.CuDnnMajor(8901));
        Assert.Equal("CUBLAS_STATUS_INVALID_VALUE", StatusNames.CuBlas(7));
        Assert.Equal("cuMemAlloc", Check.CallName("CudaDriver.cuMemAlloc(&p, n)"));
    }

    [Fact]
    public void Probe_answers_without_crashing()
    {
        var probe = CudaAvailability.Probe();
        Assert.StartsWith(probe.Available ? "available" : "unavailable: ", probe.Reason);
    }

    [Fact]
    public void Ptx_declares_every_kernel_of_the_launch_table()
    {
        if (KernelSources.Available.Count == 0) Assert.Fail($"no PTX embedded: {KernelSources.BuildSkipReason}");
        foreach (var (family, kernels) in KernelTable.Families)
        {
            foreach (var arch in new[] { "sm_70", "sm_80" })
            {
                string ptx = KernelSources.GetPtx(family, arch);
                foreach (var kernel in kernels) Assert.Contains($".visible .entry {kernel}(", ptx);
            }
        }
    }

    [Fact]
    public void Host_library_exports_every_kernel_of_the_launch_table()
    {
        var library = HostKernelLibrary.Load();
        foreach (var kernel in KernelTable.Families.Values.SelectMany(k => k)) Assert.True(library.HasKernel(kernel), kernel);
    }
}
