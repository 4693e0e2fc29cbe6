// host_runtime.h — what a kernel sees when it is compiled for the host emulation
// (-x c++ -DAUTOLORA_HOST_EMULATION). Included only through autolora_cuda.cuh.
//
// The model (details and the reasons for it in host_runtime.cpp):
//   * blocks run in parallel on worker OS threads, one block at a time per worker;
//   * the threads of one block run on that worker as fibers that switch only at
//     __syncthreads and warp shuffles, so barriers are exact and need no locks;
//   * therefore thread_local state is block state: threadIdx is rewritten before each fiber
//     resumes, and a static shared array (AUTOLORA_STATIC_SHARED) becomes `static thread_local`,
//     one copy per worker = per block, poisoned with NaN at every block start as dynamic shared
//     memory is: the copy outlives the block, and a read before any write would otherwise see the
//     worker's previous block (or zero) instead of the garbage a GPU gives.
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
// A bare __shared__ array would persist unpoisoned from block to block on a worker: refused here,
// with the spelling to use instead (kernels declare static shared memory with the macro below).
#define __shared__ static_assert(false, "declare static shared memory with AUTOLORA_STATIC_SHARED(type, name, [extents]) so the host emulation can poison it at each block start");
#define __constant__ static const

#define AUTOLORA_EMU_API extern "C" __attribute__((visibility("default")))

struct uint3 { unsigned x, y, z; };
struct dim3 { unsigned x = 1, y = 1, z = 1; };

// Set by the launcher (blockIdx/blockDim/gridDim once per block, threadIdx before each resume).
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

namespace autolora_emu {

// Runs one CUDA thread of a kernel: unpacks the cuLaunchKernel-style args and calls the kernel.
using ThreadBody = void (*)(void** args);

// The emulated launch; returns 0 or a nonzero code with the text in autolora_emu_last_error().
// `elementwise` promises the kernel never synchronises, so threads can run as plain calls.
int launch(const char* kernel, bool elementwise, ThreadBody body,
           unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
           unsigned sharedBytes, void** args);

void sync_block();                                   // __syncthreads
float shuffle(unsigned mask, float v, unsigned lane, bool xorMode, int width);  // warp shuffles
void* dynamic_shared();                              // this block's dynamic shared memory
// Adds a static shared array of this worker to those poisoned at each block start, and poisons it
// now: its first use on a worker comes before any thread of the block can have written it.
void register_static_shared(void* array, std::size_t bytes);

struct StaticShared {
    StaticShared(void* array, std::size_t bytes) { register_static_shared(array, bytes); }
};

// exp and log as the device computes them, off by a chosen multiple of ex2.approx's and
// lg2.approx's documented errors (device_math.cpp); used while g_deviceMathScale is nonzero.
extern std::atomic<int> g_deviceMathScale;
float device_exp(float x);
float device_log(float x);

// A GPU faults on a float4 access that is not 16-byte aligned ("misaligned address"), while a
// host copy would quietly succeed; autolora_load4/autolora_store4 call this instead, which fails
// the launch with the address, so an alignment bug shows up in CI.
[[noreturn]] void misaligned_vector_access(const void* address);

// args[i] points at the i-th argument's value, exactly as cuLaunchKernel's kernelParams.
template <typename... A, std::size_t... I>
inline void call_unpacked(void (*kernel)(A...), void** args, std::index_sequence<I...>)
{
    kernel(*static_cast<std::remove_cv_t<A>*>(args[I])...);
}

template <typename... A>
inline void call_with_args(void (*kernel)(A...), void** args)
{
    call_unpacked(kernel, args, std::index_sequence_for<A...>{});
}

} // namespace autolora_emu

// Always inlined, so each __syncthreads in a kernel is a call of its own to sync_block, whose
// return address then tells the calls apart: threads of a block must all wait at the same one.
__attribute__((always_inline)) inline void __syncthreads() { autolora_emu::sync_block(); }

inline float __shfl_down_sync(unsigned mask, float v, unsigned delta, int width = 32)
{
    return autolora_emu::shuffle(mask, v, delta, false, width);
}

inline float __shfl_xor_sync(unsigned mask, float v, int laneMask, int width = 32)
{
    return autolora_emu::shuffle(mask, v, static_cast<unsigned>(laneMask), true, width);
}

// Blocks on different workers really do run at the same time, so this must be a real atomic.
inline float atomicAdd(float* address, float v)
{
    return std::atomic_ref<float>(*address).fetch_add(v, std::memory_order_relaxed);
}

#define AUTOLORA_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(autolora_emu::dynamic_shared())
// The registration is itself thread_local, so it runs once per worker, the first time a thread of
// the worker passes the declaration; the array's own declaration comes first, so it exists then.
#define AUTOLORA_STATIC_SHARED(type, name, extents)  \
    static thread_local type name extents;           \
    static thread_local autolora_emu::StaticShared autolora_static_shared_##name(name, sizeof name)

#define AUTOLORA_HOST_ENTRY_IMPL(name, elementwise)                                                  \
    static void autolora_body_##name(void** args) { autolora_emu::call_with_args(&name, args); }    \
    AUTOLORA_EMU_API int autolora_emu_##name(unsigned gx, unsigned gy, unsigned gz, unsigned bx,     \
                                             unsigned by, unsigned bz, unsigned sharedBytes,         \
                                             void** args)                                            \
    {                                                                                                \
        return autolora_emu::launch(#name, elementwise, &autolora_body_##name, gx, gy, gz, bx, by,  \
                                    bz, sharedBytes, args);                                          \
    }

// Correct for every kernel: the block's threads run as fibers.
#define AUTOLORA_HOST_ENTRY(name) AUTOLORA_HOST_ENTRY_IMPL(name, false)
// Fast path for kernels without __syncthreads or shuffles: threads run as plain calls. A kernel
// that breaks the promise fails its launch with a message instead of computing garbage.
#define AUTOLORA_HOST_ENTRY_ELEMENTWISE(name) AUTOLORA_HOST_ENTRY_IMPL(name, true)
