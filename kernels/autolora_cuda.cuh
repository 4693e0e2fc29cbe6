// autolora_cuda.cuh — the one header every kernel file includes.
//
// Each kernels/*.cu file is compiled three ways from the same text:
//   1. nvcc -ptx                      : the real CUDA headers are there; we add nothing.
//   2. clang -x cuda --cuda-device-only -nocudainc -nocudalib
//                                     : no SDK headers, so we spell the CUDA keywords and
//                                       intrinsics with clang's NVPTX builtins.
//   3. a host C++ compiler with -DAUTOLORA_HOST_EMULATION
//                                     : kernels become ordinary functions run by the emulated
//                                       launcher in emulation/host_runtime.h.
// Math: autolora_exp / autolora_log (float) in every build.
// Kernels are written in plain CUDA spelling (threadIdx.x, __syncthreads, __shfl_down_sync,
// atomicAdd, __shared__) and end with one line, AUTOLORA_HOST_ENTRY(name), which in the host
// build exports `int autolora_emu_<name>(gx, gy, gz, bx, by, bz, sharedBytes, void** args)`:
// the same void** argument array cuLaunchKernel takes, so C# launch code is identical for the
// native and the emulated runtime. In device builds that line expands to nothing.
#pragma once

#if defined(AUTOLORA_HOST_EMULATION)
// ---- 3. host emulation ----------------------------------------------------------------------
#include "emulation/host_runtime.h"
#include <cmath>
static inline float autolora_exp(float x) { return std::exp(x); }
static inline float autolora_log(float x) { return std::log(x); }

#elif defined(__NVCC__) || defined(__global__)
// ---- 1. nvcc, or clang with the SDK's headers (they define __global__ as a macro) -----------
#define AUTOLORA_HOST_ENTRY(name)
#define AUTOLORA_HOST_ENTRY_ELEMENTWISE(name)
#define AUTOLORA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
static __device__ __forceinline__ float autolora_exp(float x) { return expf(x); }
static __device__ __forceinline__ float autolora_log(float x) { return logf(x); }

#elif defined(__clang__) && defined(__CUDA__)
// ---- 2. clang device-only without the SDK ---------------------------------------------------
// These are the attribute spellings clang's own CUDA wrapper headers use.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))

struct autolora_uint3 { unsigned x, y, z; };
typedef autolora_uint3 uint3;

// Reading all three components is free: the unused special-register reads are dead code.
// The builtins return int; the registers are unsigned in CUDA, so convert once here.
static __device__ __forceinline__ autolora_uint3 autolora_sreg3(int x, int y, int z)
{
    return autolora_uint3{static_cast<unsigned>(x), static_cast<unsigned>(y), static_cast<unsigned>(z)};
}
#define threadIdx autolora_sreg3(__nvvm_read_ptx_sreg_tid_x(), __nvvm_read_ptx_sreg_tid_y(), __nvvm_read_ptx_sreg_tid_z())
#define blockIdx autolora_sreg3(__nvvm_read_ptx_sreg_ctaid_x(), __nvvm_read_ptx_sreg_ctaid_y(), __nvvm_read_ptx_sreg_ctaid_z())
#define blockDim autolora_sreg3(__nvvm_read_ptx_sreg_ntid_x(), __nvvm_read_ptx_sreg_ntid_y(), __nvvm_read_ptx_sreg_ntid_z())
#define gridDim autolora_sreg3(__nvvm_read_ptx_sreg_nctaid_x(), __nvvm_read_ptx_sreg_nctaid_y(), __nvvm_read_ptx_sreg_nctaid_z())

// __syncthreads is itself a clang NVPTX builtin (bar.sync 0), so it needs no definition here.

// The last shuffle operand packs the segment width the way shfl.sync's c operand expects:
// ((32 - width) << 8) | 0x1f. These builtins need PTX ISA >= 6.0, hence +ptx70 in CMake.
static __device__ __forceinline__ float __shfl_down_sync(unsigned mask, float v, unsigned delta, int width = 32)
{
    return __nvvm_shfl_sync_down_f32(mask, v, delta, ((32 - width) << 8) | 0x1f);
}

static __device__ __forceinline__ float __shfl_xor_sync(unsigned mask, float v, int laneMask, int width = 32)
{
    return __nvvm_shfl_sync_bfly_f32(mask, v, laneMask, ((32 - width) << 8) | 0x1f);
}

static __device__ __forceinline__ float atomicAdd(float* address, float v)
{
    return __nvvm_atom_add_gen_f(address, v);
}

// Without libdevice there is no expf/logf: use the hardware base-2 approximations (ex2.approx,
// lg2.approx; relative error about 2^-22), which is what nvcc's fast-math __expf/__logf do too.
static __device__ __forceinline__ float autolora_exp(float x) { return __nvvm_ex2_approx_f(x * 1.4426950408889634f); }
static __device__ __forceinline__ float autolora_log(float x) { return __nvvm_lg2_approx_f(x) * 0.6931471805599453f; }

#define AUTOLORA_HOST_ENTRY(name)
#define AUTOLORA_HOST_ENTRY_ELEMENTWISE(name)
#define AUTOLORA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

#else
#error "autolora_cuda.cuh: compile with nvcc, clang -x cuda, or a C++ compiler with -DAUTOLORA_HOST_EMULATION"
#endif

// ---- shared helpers (every build) -----------------------------------------------------------

// Butterfly reductions over the 32 lanes of a warp: every lane ends with the result. All 32
// lanes must call them (the kernels give each warp a whole row, so the condition is uniform).
static __device__ __forceinline__ float autolora_warp_sum(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

static __device__ __forceinline__ float autolora_warp_max(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) {
        float other = __shfl_xor_sync(0xffffffffu, v, offset);
        v = other > v ? other : v;
    }
    return v;
}
