using System.Runtime.InteropServices;
using AutoLoRa.Cuda.Interop;

namespace AutoLoRa.Cuda;

/// <summary>
/// Status codes to their header names. The driver is asked first (cuGetErrorName knows every
/// code of the installed release); our table covers the codes that matter when it cannot be
/// asked. cuDNN 9 renumbered its statuses (8: 1…14; 9: 1001…5004), so its table is per major.
/// </summary>
public static class StatusNames
{
    private static readonly Dictionary<int, string> DriverNames = new()
    {
        [0] = "CUDA_SUCCESS", [1] = "CUDA_ERROR_INVALID_VALUE", [2] = "CUDA_ERROR_OUT_OF_MEMORY",
        [3] = "CUDA_ERROR_NOT_INITIALIZED", [4] = "CUDA_ERROR_DEINITIALIZED", [34] = "CUDA_ERROR_STUB_LIBRARY",
        [100] = "CUDA_ERROR_NO_DEVICE", [101] = "CUDA_ERROR_INVALID_DEVICE", [200] = "CUDA_ERROR_INVALID_IMAGE",
        [201] = "CUDA_ERROR_INVALID_CONTEXT", [209] = "CUDA_ERROR_NO_BINARY_FOR_GPU", [218] = "CUDA_ERROR_INVALID_PTX",
        [221] = "CUDA_ERROR_JIT_COMPILER_NOT_FOUND", [222] = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        [223] = "CUDA_ERROR_JIT_COMPILATION_DISABLED", [301] = "CUDA_ERROR_FILE_NOT_FOUND",
        [302] = "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND", [400] = "CUDA_ERROR_INVALID_HANDLE", [500] = "CUDA_ERROR_NOT_FOUND",
        [600] = "CUDA_ERROR_NOT_READY", [700] = "CUDA_ERROR_ILLEGAL_ADDRESS", [701] = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        [702] = "CUDA_ERROR_LAUNCH_TIMEOUT", [719] = "CUDA_ERROR_LAUNCH_FAILED", [800] = "CUDA_ERROR_NOT_PERMITTED",
        [801] = "CUDA_ERROR_NOT_SUPPORTED", [803] = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", [999] = "CUDA_ERROR_UNKNOWN",
    };

    private static readonly Dictionary<int, string> CuBlasNames = new()
    {
        [CuBlasStatus.Success] = "CUBLAS_STATUS_SUCCESS", [CuBlasStatus.NotInitialized] = "CUBLAS_STATUS_NOT_INITIALIZED",
        [CuBlasStatus.AllocFailed] = "CUBLAS_STATUS_ALLOC_FAILED", [CuBlasStatus.InvalidValue] = "CUBLAS_STATUS_INVALID_VALUE",
        [CuBlasStatus.ArchMismatch] = "CUBLAS_STATUS_ARCH_MISMATCH", [CuBlasStatus.MappingError] = "CUBLAS_STATUS_MAPPING_ERROR",
        [CuBlasStatus.ExecutionFailed] = "CUBLAS_STATUS_EXECUTION_FAILED", [CuBlasStatus.InternalError] = "CUBLAS_STATUS_INTERNAL_ERROR",
        [CuBlasStatus.NotSupported] = "CUBLAS_STATUS_NOT_SUPPORTED", [CuBlasStatus.LicenseError] = "CUBLAS_STATUS_LICENSE_ERROR",
    };

    private static readonly string[] CuDnn8Names =
    [
        "SUCCESS", "NOT_INITIALIZED", "ALLOC_FAILED", "BAD_PARAM", "INTERNAL_ERROR", "INVALID_VALUE", "ARCH_MISMATCH",
        "MAPPING_ERROR", "EXECUTION_FAILED", "NOT_SUPPORTED", "LICENSE_ERROR", "RUNTIME_PREREQUISITE_MISSING",
        "RUNTIME_IN_PROGRESS", "RUNTIME_FP_OVERFLOW", "VERSION_MISMATCH",
    ];

    private static readonly Dictionary<int, string> CuDnn9Names = new()
    {
        [0] = "SUCCESS", [1001] = "NOT_INITIALIZED", [1002] = "SUBLIBRARY_VERSION_MISMATCH", [1003] = "SERIALIZATION_VERSION_MISMATCH",
        [1004] = "DEPRECATED", [1005] = "LICENSE_ERROR", [1006] = "RUNTIME_IN_PROGRESS", [1007] = "RUNTIME_FP_OVERFLOW",
        [1008] = "SUBLIBRARY_LOADING_FAILED", [2000] = "BAD_PARAM", [2001] = "INVALID_VALUE", [2002] = "BAD_PARAM_NULL_POINTER",
        [2003] = "BAD_PARAM_MISALIGNED_POINTER", [2004] = "BAD_PARAM_NOT_FINALIZED", [2005] = "BAD_PARAM_OUT_OF_BOUND",
        [2006] = "BAD_PARAM_SIZE_INSUFFICIENT", [2007] = "BAD_PARAM_STREAM_MISMATCH", [2008] = "BAD_PARAM_SHAPE_MISMATCH",
        [2009] = "BAD_PARAM_DUPLICATED_ENTRIES", [2010] = "BAD_PARAM_ATTRIBUTE_TYPE", [2011] = "BAD_PARAM_CUDA_GRAPH_MISMATCH",
        [2012] = "BAD_PARAM_DESCRIPTOR_TYPE", [3000] = "NOT_SUPPORTED", [3001] = "NOT_SUPPORTED_GRAPH_PATTERN",
        [3002] = "NOT_SUPPORTED_SHAPE", [3003] = "NOT_SUPPORTED_DATA_TYPE", [3004] = "NOT_SUPPORTED_LAYOUT",
        [3005] = "NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER", [3006] = "NOT_SUPPORTED_INCOMPATIBLE_CUDART", [3007] = "ARCH_MISMATCH",
        [3008] = "RUNTIME_PREREQUISITE_MISSING", [3009] = "NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE",
        [3010] = "NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT", [3011] = "NOT_SUPPORTED_PADDING", [3012] = "NOT_SUPPORTED_BAD_LAUNCH_PARAM",
        [3013] = "NOT_SUPPORTED_CUDA_GRAPH_NATIVE_API", [4000] = "INTERNAL_ERROR", [4001] = "INTERNAL_ERROR_COMPILATION_FAILED",
        [4002] = "INTERNAL_ERROR_UNEXPECTED_VALUE", [4003] = "ALLOC_FAILED", [4004] = "INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED",
        [4005] = "INTERNAL_ERROR_BAD_LAUNCH_PARAM", [4006] = "MAPPING_ERROR", [5000] = "EXECUTION_FAILED",
        [5001] = "EXECUTION_FAILED_CUDA_DRIVER", [5002] = "EXECUTION_FAILED_CUBLAS", [5003] = "EXECUTION_FAILED_CUDART",
        [5004] = "EXECUTION_FAILED_CURAND",
    };

    /// <summary>cuDNN 9's BAD_PARAM (the emulated runtime reports with the 9.x numbering).</summary>
    public const int CuDnn9BadParam = 2000;

    /// <summary>CUresult name: the driver's own answer when it is loaded, else our table.</summary>
    public static unsafe string Driver(int status)
    {
        if (NativeLibraries.TryLoad(NativeLibraries.CudaDriverName, out _))
        {
            byte* name = null;
            if (CudaDriver.cuGetErrorName(status, &name) == 0 && name is not null) return Marshal.PtrToStringUTF8((nint)name)!;
        }
        return DriverNames.TryGetValue(status, out var known) ? known : $"CUDA_ERROR_{status}";
    }

    /// <summary>The name of a cublasStatus_t value, or its number when unknown.</summary>
    public static string CuBlas(int status) =>
        CuBlasNames.TryGetValue(status, out var name) ? name : $"CUBLAS_STATUS_{status}";

    /// <summary>cudnnStatus_t name for the given cuDNN major version (8 or 9; 9 numbering otherwise).</summary>
    public static string CuDnn(int status, int major)
    {
        string? name = major == 8
            ? (uint)status < (uint)CuDnn8Names.Length ? CuDnn8Names[status] : null
            : CuDnn9Names.GetValueOrDefault(status);
        return "CUDNN_STATUS_" + (name ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>cudnnGetVersion() → major: 8.x encodes M·1000+m·100+p (8901), 9.x M·10000+m·100+p (90600).</summary>
    public static int CuDnnMajor(ulong version) => version >= 90000 ? (int)(version / 10000) : (int)(version / 1000);
}
