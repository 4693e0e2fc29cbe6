using System.Runtime.InteropServices;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// Declarations for OpenBLAS's CBLAS sgemm, used only as the yardstick of <c>autolora bench gemm</c>.
/// Matches the LP64 build shipped by Debian/Ubuntu (libopenblas.so.0, blasint = int).
/// </summary>
internal static unsafe partial class OpenBlasInterop
{
    public const string LibraryName = "libopenblas.so.0";

    public const int CblasRowMajor = 101;
    public const int CblasNoTrans = 111;
    public const int CblasTrans = 112;

    // void cblas_sgemm(enum CBLAS_ORDER Order, enum CBLAS_TRANSPOSE TransA, enum CBLAS_TRANSPOSE TransB,
    //                  blasint M, blasint N, blasint K, float alpha, const float *A, blasint lda,
    //                  const float *B, blasint ldb, float beta, float *C, blasint ldc);
    [LibraryImport(LibraryName, EntryPoint = "cblas_sgemm")]
    public static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    /// <summary>True when the library loads and exports cblas_sgemm; otherwise why not.</summary>
    public static bool TryProbe(out string reason)
    {
        if (!NativeLibrary.TryLoad(LibraryName, out var handle))
        {
            reason = $"OpenBLAS ({LibraryName}) was not found; install it (e.g. apt-get install libopenblas0) or run without --compare-openblas.";
            return false;
        }
        if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out _))
        {
            reason = $"{LibraryName} loaded but does not export cblas_sgemm.";
            return false;
        }
        reason = "";
        return true;
    }
}
