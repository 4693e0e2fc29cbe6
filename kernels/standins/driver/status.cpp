// status.cpp — cuGetErrorName / cuGetErrorString: static strings (the caller must not free them).
#include "driver.h"

namespace {

struct StatusText {
    CUresult code;
    const char* name;
    const char* text;
};

// Names are the CUresult enumerators of cuda.h; texts are our own one-line explanations.
const StatusText kStatuses[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error (cuInit not called)"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context (none current on this thread)"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {600, "CUDA_ERROR_NOT_READY", "device not ready"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
};

const StatusText* find(CUresult code)
{
    for (const auto& s : kStatuses)
        if (s.code == code) return &s;
    return nullptr;
}

} // namespace

// Unknown code: INVALID_VALUE and *text = NULL, as documented.
STANDIN_API CUresult cuGetErrorName(CUresult error, const char** text)
{
    if (!text) return CUDA_ERROR_INVALID_VALUE;
    const StatusText* s = find(error);
    *text = s ? s->name : nullptr;
    return s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

STANDIN_API CUresult cuGetErrorString(CUresult error, const char** text)
{
    if (!text) return CUDA_ERROR_INVALID_VALUE;
    const StatusText* s = find(error);
    *text = s ? s->text : nullptr;
    return s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
