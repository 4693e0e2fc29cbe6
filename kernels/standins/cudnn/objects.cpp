// objects.cpp — the registry of live handles and descriptors, cudnnCreate / Destroy / SetStream /
// GetVersion / GetErrorString, and the queueing of work on the handle's stream.
#include "cudnn.h"

#include <mutex>
#include <set>

namespace standin::dnn {
namespace {

std::mutex g_lock;
std::set<Object*> g_live;

} // namespace

Object* live_object(void* pointer)
{
    std::lock_guard guard(g_lock);
    auto* object = static_cast<Object*>(pointer);
    return g_live.count(object) ? object : nullptr;
}

cudnnStatus_t create_object(Object* created, void** out)
{
    std::lock_guard guard(g_lock);
    g_live.insert(created);
    *out = created;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t destroy_object(Object* object)
{
    {
        std::lock_guard guard(g_lock);
        g_live.erase(object);
    }
    delete object;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t ensure_context() { return bind_runtime_context() == CUDA_SUCCESS ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_INITIALIZED; }

bool device_floats(const void* pointer, long long count)
{
    return count == 0 || arena_range_ok(reinterpret_cast<CUdeviceptr>(pointer), static_cast<size_t>(count) * sizeof(float));
}

cudnnStatus_t submit(Handle* handle, const char* call, std::function<CUresult(std::string*)> work)
{
    if (cudnnStatus_t status = ensure_context(); status != CUDNN_STATUS_SUCCESS) return status;
    CUresult driver;
    Stream* stream = resolve_stream(handle->stream, &driver);
    if (!stream) return CUDNN_STATUS_EXECUTION_FAILED;
    enqueue_device_work(stream, call, std::move(work));
    return CUDNN_STATUS_SUCCESS;
}

bool rounds_to_tf32(int mathType)
{
    int major = 0;
    cuDeviceGetAttribute(&major, 75, 0);  // COMPUTE_CAPABILITY_MAJOR
    return major >= 8 && mathType != 3;   // CUDNN_FMA_MATH
}

} // namespace standin::dnn

using namespace standin::dnn;

STANDIN_API cudnnStatus_t cudnnCreate(void** handle)
{
    if (!handle) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    if (cudnnStatus_t status = ensure_context(); status != CUDNN_STATUS_SUCCESS) return status;
    return create<Handle>(handle);
}

STANDIN_API cudnnStatus_t cudnnDestroy(void* handle)
{
    Handle* h = live<Handle>(handle);
    if (!h) return CUDNN_STATUS_BAD_PARAM;
    cuStreamSynchronize(h->stream);  // queued work may still use the handle
    return destroy_object(h);
}

STANDIN_API cudnnStatus_t cudnnSetStream(void* handle, CUstream stream)
{
    Handle* h = live<Handle>(handle);
    if (!h) return CUDNN_STATUS_BAD_PARAM;
    h->stream = stream;
    return CUDNN_STATUS_SUCCESS;
}

// 9.6.0 in cuDNN 9's encoding (major·10000 + minor·100 + patch): the status values above are 9's.
STANDIN_API size_t cudnnGetVersion() { return 90600; }

STANDIN_API const char* cudnnGetErrorString(cudnnStatus_t status)
{
    switch (status) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_BAD_PARAM_NULL_POINTER: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
    case CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH: return "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    case CUDNN_STATUS_INTERNAL_ERROR: return "CUDNN_STATUS_INTERNAL_ERROR";
    case CUDNN_STATUS_EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
    default: return "CUDNN_STATUS_UNKNOWN";
    }
}
