// handle.cpp — cublasCreate_v2 / Destroy / SetStream / SetMathMode / GetMathMode / GetVersion / GetStatusString.
#include "cublas.h"

#include <mutex>
#include <set>

namespace standin::blas {
namespace {

std::mutex g_lock;
std::set<Handle*> g_handles;

} // namespace

Handle* live_handle(void* handle)
{
    std::lock_guard guard(g_lock);
    auto* h = static_cast<Handle*>(handle);
    return g_handles.count(h) ? h : nullptr;
}

cublasStatus_t ensure_context() { return bind_runtime_context() == CUDA_SUCCESS ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED; }

} // namespace standin::blas

using namespace standin::blas;

STANDIN_API cublasStatus_t cublasCreate_v2(void** handle)
{
    if (!handle) return CUBLAS_STATUS_INVALID_VALUE;
    if (cublasStatus_t status = ensure_context(); status != CUBLAS_STATUS_SUCCESS) return status;
    auto* created = new Handle();
    std::lock_guard guard(g_lock);
    g_handles.insert(created);
    *handle = created;
    return CUBLAS_STATUS_SUCCESS;
}

STANDIN_API cublasStatus_t cublasDestroy_v2(void* handle)
{
    Handle* h = live_handle(handle);
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    // Work already queued on the handle's stream may still read its state; let it finish.
    cuStreamSynchronize(h->stream);
    std::lock_guard guard(g_lock);
    g_handles.erase(h);
    delete h;
    return CUBLAS_STATUS_SUCCESS;
}

STANDIN_API cublasStatus_t cublasSetStream_v2(void* handle, CUstream stream)
{
    Handle* h = live_handle(handle);
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    h->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

// cublasMath_t: DEFAULT 0, TENSOR_OP 1 (deprecated), PEDANTIC 2, TF32_TENSOR_OP 3, optionally
// OR-ed with DISALLOW_REDUCED_PRECISION_REDUCTION (16).
STANDIN_API cublasStatus_t cublasSetMathMode(void* handle, int mode)
{
    Handle* h = live_handle(handle);
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    if ((mode & ~16) < 0 || (mode & ~16) > 3) return CUBLAS_STATUS_INVALID_VALUE;
    h->mathMode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

// The mode the handle holds, as set (OR-ed flags included): NOT_INITIALIZED for a handle that is not
// live, INVALID_VALUE for a NULL mode pointer.
STANDIN_API cublasStatus_t cublasGetMathMode(void* handle, int* mode)
{
    Handle* h = live_handle(handle);
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!mode) return CUBLAS_STATUS_INVALID_VALUE;
    *mode = h->mathMode;
    return CUBLAS_STATUS_SUCCESS;
}

// 12.6.4, the cuBLAS of the headers the interop facts were read from (major·10000 + minor·100 + patch).
STANDIN_API cublasStatus_t cublasGetVersion_v2(void* handle, int* version)
{
    if (!live_handle(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!version) return CUBLAS_STATUS_INVALID_VALUE;
    *version = 120604;
    return CUBLAS_STATUS_SUCCESS;
}

STANDIN_API const char* cublasGetStatusString(cublasStatus_t status)
{
    switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "the operation completed successfully";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized (no valid handle or CUDA context)";
    case CUBLAS_STATUS_ALLOC_FAILED: return "resource allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE: return "an invalid value was used as an argument";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "the device does not support the operation";
    case CUBLAS_STATUS_MAPPING_ERROR: return "an access to GPU memory space failed";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "an internal operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
    case CUBLAS_STATUS_LICENSE_ERROR: return "license error";
    default: return "unknown cuBLAS status";
    }
}
