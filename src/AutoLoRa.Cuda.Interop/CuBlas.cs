using System.Runtime.InteropServices;

namespace AutoLoRa.Cuda.Interop;

/// <summary>
/// cuBLAS v2 API (libcublas.so.13/.12 / cublas64_13/12.dll). Declarations only. cublas_v2.h maps
/// create/destroy/stream/Sgemm to <c>_v2</c> exports (the un-suffixed <c>cublasSgemm</c> is the
/// legacy handle-less API); routines born in the v2 era (SetMathMode, SgemmStridedBatched,
/// GemmEx, GetStatusString) have no suffix. alpha/beta are host pointers (pointer mode HOST),
/// batch strides are <c>long long</c>.
/// </summary>
public static unsafe partial class CuBlas
{
    public const string Library = "autolora-cublas";

    [LibraryImport(Library, EntryPoint = "cublasCreate_v2")]
    public static partial int cublasCreate(nint* handle);

    [LibraryImport(Library, EntryPoint = "cublasDestroy_v2")]
    public static partial int cublasDestroy(nint handle);

    [LibraryImport(Library, EntryPoint = "cublasSetStream_v2")]
    public static partial int cublasSetStream(nint handle, nint stream);

    [LibraryImport(Library, EntryPoint = "cublasGetVersion_v2")]
    public static partial int cublasGetVersion(nint handle, int* version);

    [LibraryImport(Library, EntryPoint = "cublasSetMathMode")]
    public static partial int cublasSetMathMode(nint handle, cublasMath_t mode);

    [LibraryImport(Library, EntryPoint = "cublasGetMathMode")]
    public static partial int cublasGetMathMode(nint handle, cublasMath_t* mode);

    [LibraryImport(Library, EntryPoint = "cublasSgemm_v2")]
    public static partial int cublasSgemm(nint handle, cublasOperation_t transa, cublasOperation_t transb,
        int m, int n, int k, float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

    [LibraryImport(Library, EntryPoint = "cublasSgemmStridedBatched")]
    public static partial int cublasSgemmStridedBatched(nint handle, cublasOperation_t transa, cublasOperation_t transb,
        int m, int n, int k, float* alpha, ulong a, int lda, long strideA, ulong b, int ldb, long strideB,
        float* beta, ulong c, int ldc, long strideC, int batchCount);

    [LibraryImport(Library, EntryPoint = "cublasGemmEx")]
    public static partial int cublasGemmEx(nint handle, cublasOperation_t transa, cublasOperation_t transb,
        int m, int n, int k, void* alpha, ulong a, cudaDataType aType, int lda, ulong b, cudaDataType bType, int ldb,
        void* beta, ulong c, cudaDataType cType, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo);

    /// <summary>Returns a static library-owned string (never free it).</summary>
    [LibraryImport(Library, EntryPoint = "cublasGetStatusString")]
    public static partial byte* cublasGetStatusString(int status);
}
