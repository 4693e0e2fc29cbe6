// cudnn.h — internal declarations of the libcudnn stand-in: the legacy cuDNN API calls our bindings
// make, with cuDNN 9's status values and version encoding (cuda-interop-facts §5).
#pragma once

#include "driver/driver.h"

typedef int cudnnStatus_t;

enum : cudnnStatus_t {
    CUDNN_STATUS_SUCCESS = 0,
    CUDNN_STATUS_NOT_INITIALIZED = 1001,
    CUDNN_STATUS_BAD_PARAM = 2000,
    CUDNN_STATUS_BAD_PARAM_NULL_POINTER = 2002,
    CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH = 2008,
    CUDNN_STATUS_NOT_SUPPORTED = 3000,
    CUDNN_STATUS_INTERNAL_ERROR = 4000,
    CUDNN_STATUS_EXECUTION_FAILED = 5000,
};

namespace standin::dnn {

// Every handle and descriptor is an Object, so one registry can tell a live one of the right kind
// from a destroyed or foreign pointer.
struct Object {
    virtual ~Object() = default;
};

struct Handle : Object {
    CUstream stream = nullptr;
};

struct Tensor : Object {  // NCHW float, packed
    bool set = false;
    int n = 0, c = 0, h = 0, w = 0;
    long long count() const { return static_cast<long long>(n) * c * h * w; }
};

struct Filter : Object {  // KCRS float
    bool set = false;
    int k = 0, c = 0, r = 0, s = 0;
};

struct Convolution : Object {
    bool set = false;
    int padH = 0, padW = 0, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    int mathType = 0;
};

struct Pooling : Object {
    bool set = false;
    int mode = 0, nan = 0, windowH = 0, windowW = 0, padH = 0, padW = 0, strideH = 1, strideW = 1;
};

// Null for a pointer that is not a live object of kind T.
Object* live_object(void* pointer);
template <typename T>
T* live(void* pointer) { return dynamic_cast<T*>(live_object(pointer)); }

// Registers a new object of kind T in *out (cudnnCreate*), or unregisters and deletes one (Destroy*).
cudnnStatus_t create_object(Object* created, void** out);
template <typename T>
cudnnStatus_t create(void** out) { return out ? create_object(new T(), out) : CUDNN_STATUS_BAD_PARAM_NULL_POINTER; }
cudnnStatus_t destroy_object(Object* object);
template <typename T>
cudnnStatus_t destroy(void* pointer) { T* object = live<T>(pointer); return object ? destroy_object(object) : CUDNN_STATUS_BAD_PARAM; }

// The context the CUDA runtime would use (it binds the primary context to a thread without one).
cudnnStatus_t ensure_context();

// On Ampere and later, FP32 convolutions run as TF32 unless the math type is FMA (cuDNN's
// default math allows tensor cores); the inputs are rounded as tensor cores round them.
bool rounds_to_tf32(int mathType);

// Queues work on the handle's stream; device ranges are checked when it runs (a fault is a
// sticky CUDA_ERROR_ILLEGAL_ADDRESS, as a GPU kernel's would be).
cudnnStatus_t submit(Handle* handle, const char* call, std::function<CUresult(std::string*)> work);

// True when [pointer, pointer + count floats) is live device memory (count 0: always).
bool device_floats(const void* pointer, long long count);

} // namespace standin::dnn
