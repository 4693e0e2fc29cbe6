// gemm.cpp — cublasSgemm_v2, cublasSgemmStridedBatched and cublasGemmEx (FP32 only). Arguments are
// checked as the cuBLAS guide documents for gemm (INVALID_VALUE for negative sizes, an unknown
// operation, lda/ldb/ldc below the stored rows, NULL alpha/beta); the product runs later on the
// handle's stream. alpha and beta are read at the call (pointer mode HOST). With beta = 0, C is
// not read (it may hold NaN, as fresh device memory here does). A matrix outside live device
// memory faults the kernel: a sticky CUDA_ERROR_ILLEGAL_ADDRESS, as on a GPU. In TF32 math mode
// (CUBLAS_TF32_TENSOR_OP_MATH) or with CUBLAS_COMPUTE_32F_FAST_TF32, on a device profile with TF32
// tensor cores (sm_80 and later), the inputs are rounded to TF32 (10 mantissa bits, to nearest) as
// tensor cores read them; DEFAULT and PEDANTIC math keep FP32 single-precision routines FP32.
#include "cublas.h"

using namespace standin;
using namespace standin::blas;

namespace {

enum { kOpN = 0, kOpT = 1, kOpC = 2 };

struct Operand {
    const float* data;
    int rows, cols, ld;  // as stored (column-major)
    long long stride;
};

bool valid_op(int op) { return op == kOpN || op == kOpT || op == kOpC; }

// TF32 tensor cores exist from compute capability 8.0: on an sm_70 profile TF32 math computes FP32.
bool has_tf32_tensor_cores()
{
    int major = 0;
    cuDeviceGetAttribute(&major, 75, 0);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    return major >= 8;
}

int max1(int v) { return v > 1 ? v : 1; }

size_t stored_bytes(int rows, int cols, int ld)
{
    if (rows == 0 || cols == 0) return 0;
    return (static_cast<size_t>(ld) * static_cast<size_t>(cols - 1) + static_cast<size_t>(rows)) * sizeof(float);
}

struct Gemm {
    int opA, opB, m, n, k;
    float alpha, beta;
    Operand a, b;
    float* c;
    int ldc;
    long long strideC;
    int batch;
    bool roundTf32;

    float at(const Operand& x, bool transposed, int row, int col, long long base) const
    {
        float v = transposed ? x.data[base + col + static_cast<long long>(row) * x.ld] : x.data[base + row + static_cast<long long>(col) * x.ld];
        return roundTf32 ? round_to_tf32(v) : v;
    }

    void run() const
    {
        for (int p = 0; p < batch; p++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) sum += static_cast<double>(at(a, opA != kOpN, i, l, p * a.stride)) * at(b, opB != kOpN, l, j, p * b.stride);
                    float& out = c[p * strideC + i + static_cast<long long>(j) * ldc];
                    out = beta == 0 ? static_cast<float>(alpha * sum) : static_cast<float>(alpha * sum + static_cast<double>(beta) * out);
                }
            }
        }
    }

    // Every matrix of every batch inside live device memory.
    bool in_device_memory() const
    {
        for (int p = 0; p < batch; p++) {
            if (!arena_range_ok(reinterpret_cast<CUdeviceptr>(a.data + p * a.stride), stored_bytes(a.rows, a.cols, a.ld))) return false;
            if (!arena_range_ok(reinterpret_cast<CUdeviceptr>(b.data + p * b.stride), stored_bytes(b.rows, b.cols, b.ld))) return false;
            if (!arena_range_ok(reinterpret_cast<CUdeviceptr>(c + p * strideC), stored_bytes(m, n, ldc))) return false;
        }
        return true;
    }
};

cublasStatus_t submit(void* handle, int opA, int opB, int m, int n, int k, const float* alpha, const float* A, int lda, long long strideA,
                      const float* B, int ldb, long long strideB, const float* beta, float* C, int ldc, long long strideC, int batch,
                      const char* call, int tf32Override = -1)
{
    Handle* h = live_handle(handle);
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (cublasStatus_t status = ensure_context(); status != CUBLAS_STATUS_SUCCESS) return status;
    if (m < 0 || n < 0 || k < 0 || batch < 0 || !valid_op(opA) || !valid_op(opB)) return CUBLAS_STATUS_INVALID_VALUE;
    if (lda < max1(opA == kOpN ? m : k) || ldb < max1(opB == kOpN ? k : n) || ldc < max1(m)) return CUBLAS_STATUS_INVALID_VALUE;
    if (!alpha || !beta) return CUBLAS_STATUS_INVALID_VALUE;
    if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;  // nothing to compute
    CUresult driver;
    Stream* stream = resolve_stream(h->stream, &driver);
    if (!stream) return CUBLAS_STATUS_EXECUTION_FAILED;
    Gemm g{opA, opB, m, n, k, *alpha, *beta,
           Operand{A, opA == kOpN ? m : k, opA == kOpN ? k : m, lda, strideA},
           Operand{B, opB == kOpN ? k : n, opB == kOpN ? n : k, ldb, strideB},
           C, ldc, strideC, batch, has_tf32_tensor_cores() && (tf32Override >= 0 ? tf32Override == 1 : (h->mathMode & ~16) == 3)};
    enqueue_device_work(stream, call, [g](std::string* why) {
        if (!g.in_device_memory()) {
            *why = "A, B or C is not inside live device memory for its stored size";
            return CUDA_ERROR_ILLEGAL_ADDRESS;
        }
        g.run();
        return CUDA_SUCCESS;
    });
    return CUBLAS_STATUS_SUCCESS;
}

} // namespace

STANDIN_API cublasStatus_t cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha, const float* A,
                                          int lda, const float* B, int ldb, const float* beta, float* C, int ldc)
{
    return submit(handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1, "cublasSgemm_v2");
}

STANDIN_API cublasStatus_t cublasSgemmStridedBatched(void* handle, int transa, int transb, int m, int n, int k, const float* alpha,
                                                     const float* A, int lda, long long strideA, const float* B, int ldb, long long strideB,
                                                     const float* beta, float* C, int ldc, long long strideC, int batchCount)
{
    return submit(handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, batchCount,
                  "cublasSgemmStridedBatched");
}

// Only the FP32 form: CUDA_R_32F (0) operands with CUBLAS_COMPUTE_32F (68, also _PEDANTIC 69) or
// CUBLAS_COMPUTE_32F_FAST_TF32 (77); other type combinations are NOT_SUPPORTED here, which the real
// library also answers for combinations it lacks.
STANDIN_API cublasStatus_t cublasGemmEx(void* handle, int transa, int transb, int m, int n, int k, const void* alpha, const void* A,
                                        int Atype, int lda, const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc,
                                        int computeType, int algo)
{
    Handle* h = live_handle(handle);
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (algo != -1 && (algo < 0 || algo > 23) && (algo < 99 || algo > 115)) return CUBLAS_STATUS_INVALID_VALUE;
    if (computeType < 64 || computeType > 79) return CUBLAS_STATUS_INVALID_VALUE;
    if (Atype != 0 || Btype != 0 || Ctype != 0 || (computeType != 68 && computeType != 69 && computeType != 77))
        return CUBLAS_STATUS_NOT_SUPPORTED;
    // The compute type, not the handle's math mode, decides TF32 here.
    return submit(handle, transa, transb, m, n, k, static_cast<const float*>(alpha), static_cast<const float*>(A), lda, 0,
                                   static_cast<const float*>(B), ldb, 0, static_cast<const float*>(beta), static_cast<float*>(C), ldc, 0, 1,
                                   "cublasGemmEx", computeType == 77 ? 1 : 0);
}
