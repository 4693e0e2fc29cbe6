namespace AutoLoRa.Cuda.Interop;

// cuBLAS enums (cublas_api.h / library_types.h, CUDA 12.6; same values 11.4 → 13.2).

internal enum cublasOperation_t
{
    N = 0,
    T = 1,
    C = 2,
}

internal enum cublasMath_t
{
    Default = 0,
    Pedantic = 2,
    Tf32TensorOp = 3,
    DisallowReducedPrecisionReduction = 16,
}

internal enum cublasComputeType_t
{
    Compute32F = 68,
    Compute32FPedantic = 69,
    Compute32FFastTf32 = 77,
}

internal enum cublasGemmAlgo_t
{
    Default = -1,
}

internal enum cudaDataType
{
    R32F = 0,
    R64F = 1,
    R16F = 2,
    R16BF = 14,
}

/// <summary>cublasStatus_t values.</summary>
internal static class CuBlasStatus
{
    internal const int Success = 0;
    internal const int NotInitialized = 1;
    internal const int AllocFailed = 3;
    internal const int InvalidValue = 7;
    internal const int ArchMismatch = 8;
    internal const int MappingError = 11;
    internal const int ExecutionFailed = 13;
    internal const int InternalError = 14;
    internal const int NotSupported = 15;
    internal const int LicenseError = 16;
}
