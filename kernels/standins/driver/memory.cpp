// memory.cpp — copies and memsets. Device addresses must lie inside one live allocation and host
// addresses outside the device arena, else CUDA_ERROR_INVALID_VALUE (checked at the call, before
// anything is queued). Synchronisation follows NVIDIA's "API synchronization behavior" notes for
// pageable host memory (all host memory here is pageable: the bindings have no pinned allocations):
// an async copy from the host stages the bytes before returning, so the caller may reuse its
// buffer; an async copy to the host returns only when the copy is done; device-to-device copies
// and memsets run later on the stream.
#include "driver.h"

#include <cstring>
#include <memory>
#include <vector>

using namespace standin;

namespace {

bool is_host(const void* pointer) { return pointer && !arena_contains(reinterpret_cast<CUdeviceptr>(pointer)); }

CUresult check_device(CUdeviceptr pointer, size_t bytes, const char* call)
{
    if (arena_range_ok(pointer, bytes)) return CUDA_SUCCESS;
    report(std::string(call) + (arena_contains(pointer) ? ": range outside a live allocation (freed, or past its end)"
                                                        : ": not a device pointer (a host address?)"));
    return CUDA_ERROR_INVALID_VALUE;
}

// Common prologue: context, stream handle, device range.
CUresult prepare(CUstream stream, Stream** resolved, CUdeviceptr device, size_t bytes, const char* call)
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    CUresult status;
    *resolved = resolve_stream(stream, &status);
    if (!*resolved) return status;
    return check_device(device, bytes, call);
}

CUresult wait_for(Stream* stream) { return cuStreamSynchronize(stream); }

CUresult copy_to_device(CUdeviceptr destination, const void* source, size_t bytes, CUstream stream, bool wait, const char* call)
{
    Stream* s;
    if (CUresult status = prepare(stream, &s, destination, bytes, call); status != CUDA_SUCCESS) return status;
    if (!is_host(source)) return CUDA_ERROR_INVALID_VALUE;
    auto staged = std::make_shared<std::vector<char>>(static_cast<const char*>(source), static_cast<const char*>(source) + bytes);
    enqueue_device_work(s, call, [destination, staged](std::string*) {
        std::memcpy(reinterpret_cast<void*>(destination), staged->data(), staged->size());
        return CUDA_SUCCESS;
    });
    return wait ? wait_for(s) : CUDA_SUCCESS;
}

CUresult copy_to_host(void* destination, CUdeviceptr source, size_t bytes, CUstream stream, const char* call)
{
    Stream* s;
    if (CUresult status = prepare(stream, &s, source, bytes, call); status != CUDA_SUCCESS) return status;
    if (!is_host(destination)) return CUDA_ERROR_INVALID_VALUE;
    enqueue_device_work(s, call, [destination, source, bytes](std::string*) {
        std::memcpy(destination, reinterpret_cast<const void*>(source), bytes);
        return CUDA_SUCCESS;
    });
    return wait_for(s);
}

CUresult copy_on_device(CUdeviceptr destination, CUdeviceptr source, size_t bytes, CUstream stream, bool wait, const char* call)
{
    Stream* s;
    if (CUresult status = prepare(stream, &s, destination, bytes, call); status != CUDA_SUCCESS) return status;
    if (CUresult status = check_device(source, bytes, call); status != CUDA_SUCCESS) return status;
    enqueue_device_work(s, call, [destination, source, bytes](std::string*) {
        std::memmove(reinterpret_cast<void*>(destination), reinterpret_cast<const void*>(source), bytes);
        return CUDA_SUCCESS;
    });
    return wait ? wait_for(s) : CUDA_SUCCESS;
}

CUresult set8(CUdeviceptr destination, unsigned char value, size_t count, CUstream stream, bool wait, const char* call)
{
    Stream* s;
    if (CUresult status = prepare(stream, &s, destination, count, call); status != CUDA_SUCCESS) return status;
    enqueue_device_work(s, call, [destination, value, count](std::string*) {
        std::memset(reinterpret_cast<void*>(destination), value, count);
        return CUDA_SUCCESS;
    });
    return wait ? wait_for(s) : CUDA_SUCCESS;
}

// count is in 32-bit words, and the destination must be 4-byte aligned (documented).
CUresult set32(CUdeviceptr destination, unsigned value, size_t count, CUstream stream, bool wait, const char* call)
{
    if (destination % 4 != 0 || count > SIZE_MAX / 4) return CUDA_ERROR_INVALID_VALUE;
    Stream* s;
    if (CUresult status = prepare(stream, &s, destination, count * 4, call); status != CUDA_SUCCESS) return status;
    enqueue_device_work(s, call, [destination, value, count](std::string*) {
        auto* words = reinterpret_cast<unsigned*>(destination);
        for (size_t i = 0; i < count; i++) words[i] = value;
        return CUDA_SUCCESS;
    });
    return wait ? wait_for(s) : CUDA_SUCCESS;
}

} // namespace

STANDIN_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes)
{
    return copy_to_device(dst, src, bytes, nullptr, true, "cuMemcpyHtoD_v2");
}

STANDIN_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream)
{
    return copy_to_device(dst, src, bytes, stream, false, "cuMemcpyHtoDAsync_v2");
}

STANDIN_API CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes)
{
    return copy_to_host(dst, src, bytes, nullptr, "cuMemcpyDtoH_v2");
}

STANDIN_API CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream stream)
{
    return copy_to_host(dst, src, bytes, stream, "cuMemcpyDtoHAsync_v2");
}

STANDIN_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes)
{
    return copy_on_device(dst, src, bytes, nullptr, true, "cuMemcpyDtoD_v2");
}

STANDIN_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream)
{
    return copy_on_device(dst, src, bytes, stream, false, "cuMemcpyDtoDAsync_v2");
}

STANDIN_API CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t count)
{
    return set8(dst, value, count, nullptr, true, "cuMemsetD8_v2");
}

STANDIN_API CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream)
{
    return set8(dst, value, count, stream, false, "cuMemsetD8Async");
}

STANDIN_API CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned value, size_t count)
{
    return set32(dst, value, count, nullptr, true, "cuMemsetD32_v2");
}

STANDIN_API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count, CUstream stream)
{
    return set32(dst, value, count, stream, false, "cuMemsetD32Async");
}
