namespace AutoLoRa.Cuda.Interop;

// cuBLAS enums (cublas_api.h / library_types.h, CUDA 12.6; same values 11.4 → 13.2).

public enum cublasOperation_t
{
    N = 0,
    T = 1,
    C = 2,
}

public enum cublasMath_t
{
    Default = 0,
    Pedantic = 2,
    Tf32TensorOp = 3,
    DisallowReducedPrecisionReduction = 16,
}

public enum cublasComputeType_t
{
    Compute32F = 68,
    Compute32FPedantic = 69,
    Compute32FFastTf32 = 77,
}

public enum cublasGemmAlgo_t
{
    Default = -1,
}

public enum cudaDataType
{
    R32F = 0,
    R64F = 1,
    R16F = 2,
    R16BF = 14,
}

/// <summary>cublasStatus_t values.</summary>
public static class CuBlasStatus
{
    public const int Success = 0;
    public const int NotInitialized = 1;
    public const int AllocFailed = 3;
    public const int InvalidValue = 7;
    public const int ArchMismatch = 8;
    public const int MappingError = 11;
    public const int ExecutionFailed = 13;
    public const int InternalError = 14;
    public const int NotSupported = 15;
    public const int LicenseError = 16;
}
