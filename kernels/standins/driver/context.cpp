// context.cpp — the device's primary context, the per-thread current context, sticky errors.
#include "driver.h"

#include <atomic>
#include <mutex>

namespace standin {

struct Context {
    std::atomic<int> references{0};
};

namespace {

Context g_primary;
thread_local Context* t_current = nullptr;
std::atomic<CUresult> g_sticky{CUDA_SUCCESS};
std::mutex g_sticky_lock;
std::string g_sticky_why;

} // namespace

CUresult require_context()
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    // A context released to zero references is destroyed, even if a thread still names it.
    if (!t_current || t_current->references.load() == 0) return CUDA_ERROR_INVALID_CONTEXT;
    return g_sticky.load();
}

void set_sticky_error(CUresult status, const std::string& why)
{
    std::lock_guard lock(g_sticky_lock);
    if (g_sticky.load() != CUDA_SUCCESS) return;  // the first fault is the one to explain
    g_sticky_why = why;
    g_sticky = status;
    report("sticky error " + std::to_string(status) + ": " + why);
}

CUresult sticky_error() { return g_sticky.load(); }

void clear_sticky_error()
{
    std::lock_guard lock(g_sticky_lock);
    g_sticky = CUDA_SUCCESS;
    g_sticky_why.clear();
}

} // namespace standin

using namespace standin;

STANDIN_API CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    if (!context) return CUDA_ERROR_INVALID_VALUE;
    g_primary.references++;
    *context = &g_primary;  // retained, not made current (documented)
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    int expected = g_primary.references.load();
    do {
        if (expected == 0) return CUDA_ERROR_INVALID_CONTEXT;  // released more often than retained
    } while (!g_primary.references.compare_exchange_weak(expected, expected - 1));
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuCtxSetCurrent(CUcontext context)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (context && (context != &g_primary || g_primary.references.load() == 0)) return CUDA_ERROR_INVALID_CONTEXT;
    t_current = context;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuCtxGetCurrent(CUcontext* context)
{
    if (!initialized()) return CUDA_ERROR_NOT_INITIALIZED;
    if (!context) return CUDA_ERROR_INVALID_VALUE;
    *context = t_current;
    return CUDA_SUCCESS;
}

STANDIN_API CUresult cuCtxSynchronize()
{
    if (CUresult status = require_context(); status != CUDA_SUCCESS) return status;
    return synchronize_all();
}
