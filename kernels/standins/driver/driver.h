// driver.h — internal declarations shared by the files of the libcuda stand-in.
//
// The stand-in exports the CUDA driver API's C ABI (types and status values from
// /work/shared/specs/cuda-interop-facts.md §3, which were read from NVIDIA's headers), and
// behaves as strictly as a GPU: one simulated device whose limits come from a profile
// (AUTOLORA_STANDIN_DEVICE = sm_70 | sm_80 | sm_90), device memory in its own arena, and every
// stream a worker thread that runs queued work later. Kernels run from the host emulation build of
// kernels/*.cu (libautolora_kernels_host), found by name at cuModuleGetFunction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

namespace standin {
struct Context;
struct Stream;
struct Event;
struct Module;
struct Function;
}
typedef standin::Context* CUcontext;
typedef standin::Stream* CUstream;
typedef standin::Event* CUevent;
typedef standin::Module* CUmodule;
typedef standin::Function* CUfunction;

#define STANDIN_API extern "C" __attribute__((visibility("default")))
// Internal helpers the cuBLAS and cuDNN stand-ins call (they link against this library), so their
// work queues on the same streams and checks the same arena. Not part of any NVIDIA API.
#define STANDIN_SHARED __attribute__((visibility("default")))

// CUresult values used here (cuda-interop-facts §3.3).
enum : CUresult {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_INVALID_PTX = 218,
    CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
};

namespace standin {

// Limits of one simulated GPU generation (public CUDA programming guide figures).
struct DeviceProfile {
    const char* name;
    int major, minor;
    int multiprocessors;
    int maxThreadsPerBlock;
    int maxBlockDim[3];
    int maxGridDim[3];
    int sharedPerBlock;        // without the opt-in attribute
    int sharedPerBlockOptin;
};

const DeviceProfile& device_profile();
int driver_version();          // what cuDriverGetVersion reports (AUTOLORA_STANDIN_DRIVER_VERSION)
int device_count();            // what cuDeviceGetCount reports (AUTOLORA_STANDIN_DEVICE_COUNT)
bool valid_device(CUdevice device);
bool initialized();

// Context rules: cuInit first, then a context current on the calling thread.
STANDIN_SHARED CUresult require_context();
// An asynchronous fault (bad kernel, guard zone overwritten) poisons the context: every later call
// that needs the context returns it, as a GPU's sticky errors do.
STANDIN_SHARED void set_sticky_error(CUresult status, const std::string& why);
STANDIN_SHARED CUresult sticky_error();
void report(const std::string& message);   // one line on stderr, prefixed "libcuda stand-in: "

// Device memory (arena.cpp).
bool arena_contains(CUdeviceptr pointer);
// True when [pointer, pointer + bytes) lies inside one live allocation.
STANDIN_SHARED bool arena_range_ok(CUdeviceptr pointer, size_t bytes);
bool arena_is_freed(CUdeviceptr pointer);
// Checks every live allocation's guard zones; names the first overwritten one in *why.
bool arena_guards_intact(std::string* why);

// Streams (streams.cpp). A null stream is the context's default stream.
STANDIN_SHARED Stream* resolve_stream(CUstream stream, CUresult* status);
void enqueue(Stream* stream, std::function<void()> work);
CUresult synchronize_all();

// The host emulation library (kernel_library.cpp).
using HostEntry = int (*)(unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void**);
HostEntry host_entry(const std::string& kernel, std::string* why);
const char* host_last_error();

} // namespace standin

// Exported calls that other files and the cuBLAS/cuDNN stand-ins use.
STANDIN_API CUresult cuInit(unsigned int flags);
STANDIN_API CUresult cuCtxGetCurrent(CUcontext* context);
STANDIN_API CUresult cuCtxSetCurrent(CUcontext context);
STANDIN_API CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device);
STANDIN_API CUresult cuStreamSynchronize(CUstream stream);
STANDIN_API CUresult cuMemGetInfo_v2(size_t* free, size_t* total);
STANDIN_API CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device);
STANDIN_API CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes);
STANDIN_API CUresult cuMemFree_v2(CUdeviceptr pointer);

namespace standin {
// What the CUDA runtime under cuBLAS and cuDNN does on a thread without a current context: cuInit
// and device 0's primary context made current (runtime_context.cpp).
STANDIN_SHARED CUresult bind_runtime_context();

// A float rounded to TF32 (10 mantissa bits, nearest even), as tensor cores read FP32 inputs.
STANDIN_SHARED float round_to_tf32(float value);

// Settings the test hook (control.cpp) changes at run time.
bool set_device_profile(int sm);
void set_driver_version(int version);
bool set_device_count(int count);
bool set_memory_cap(size_t bytes);
void set_stream_delay_ms(int milliseconds);
void set_fault_after_launches(long long launches);
void clear_sticky_error();

// Queues device work on a stream: it runs only while the context has no sticky error, and after it
// the guard zones are checked, so an out-of-bounds write poisons the context with
// CUDA_ERROR_ILLEGAL_ADDRESS naming `what`. `work` returns a status (and a reason when it fails).
STANDIN_SHARED void enqueue_device_work(Stream* stream, std::string what, std::function<CUresult(std::string*)> work);
} // namespace standin
