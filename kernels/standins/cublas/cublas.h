// cublas.h — internal declarations of the libcublas stand-in (cuBLAS v2 API, the symbols our
// bindings call; types and values from /work/shared/specs/cuda-interop-facts.md §4).
#pragma once

#include "driver/driver.h"

typedef int cublasStatus_t;

enum : cublasStatus_t {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16,
};

namespace standin::blas {

struct Handle {
    CUstream stream = nullptr;  // NULL: the default stream (cuBLAS's default)
    int mathMode = 0;           // CUBLAS_DEFAULT_MATH
};

// Null for a pointer that is not a live handle (cublasCreate_v2 made it, no destroy since).
Handle* live_handle(void* handle);

// cuBLAS runs on the CUDA runtime, which binds the device's primary context to a thread that has
// none; a driver-level failure here is NOT_INITIALIZED.
cublasStatus_t ensure_context();

} // namespace standin::blas
