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
// Math: autolora_exp / autolora_log / autolora_sqrt (float) in every build. Vector access: autolora_load4 /
// autolora_store4 move one autolora_float4 (16 bytes, 16-byte aligned) in every build; the
// streaming helpers at the end of this file build the memory-bound kernels' loops on them.
// Kernels are written in plain CUDA spelling (threadIdx.x, __syncthreads, __shfl_down_sync,
// atomicAdd) — shared memory through AUTOLORA_STATIC_SHARED(type, name, [extents]) and
// AUTOLORA_DYNAMIC_SHARED(type, name), which the host build poisons at each block start — and end with one line, AUTOLORA_HOST_ENTRY(name), which in the host
// build exports `int autolora_emu_<name>(gx, gy, gz, bx, by, bz, sharedBytes, void** args)`:
// the same void** argument array cuLaunchKernel takes, so C# launch code is identical for the
// native and the emulated runtime. In device builds that line expands to nothing.
#pragma once

#if defined(AUTOLORA_HOST_EMULATION)
// ---- 3. host emulation ----------------------------------------------------------------------
#include "emulation/host_runtime.h"
#include <cmath>
#include <cstring>
// libm unless a test asked for the device's ex2.approx / lg2.approx formulas (emulation/device_math.cpp).
static inline float autolora_exp(float x)
{
    return autolora_emu::g_deviceMathScale.load(std::memory_order_relaxed) == 0 ? std::exp(x) : autolora_emu::device_exp(x);
}
static inline float autolora_log(float x)
{
    return autolora_emu::g_deviceMathScale.load(std::memory_order_relaxed) == 0 ? std::log(x) : autolora_emu::device_log(x);
}
static inline float autolora_sqrt(float x) { return std::sqrt(x); }
// Host C++ forbids reading floats through a struct pointer (strict aliasing); memcpy is the
// defined spelling and compiles to one 16-byte move. Misaligned vector accesses fail the launch,
// as they fault on a GPU (emulation/host_runtime.h).
#define AUTOLORA_VECTOR_ACCESS_BY_COPY 1

#elif defined(__NVCC__) || defined(__global__)
// ---- 1. nvcc, or clang with the SDK's headers (they define __global__ as a macro) -----------
#define AUTOLORA_HOST_ENTRY(name)
#define AUTOLORA_HOST_ENTRY_ELEMENTWISE(name)
#define AUTOLORA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#define AUTOLORA_STATIC_SHARED(type, name, extents) __shared__ type name extents
static __device__ __forceinline__ float autolora_exp(float x) { return expf(x); }
static __device__ __forceinline__ float autolora_log(float x) { return logf(x); }
static __device__ __forceinline__ float autolora_sqrt(float x) { return sqrtf(x); }

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
// sqrt.rn.f32: correctly rounded, as std::sqrt on the host.
static __device__ __forceinline__ float autolora_sqrt(float x) { return __nvvm_sqrt_rn_f(x); }

#define AUTOLORA_HOST_ENTRY(name)
#define AUTOLORA_HOST_ENTRY_ELEMENTWISE(name)
#define AUTOLORA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#define AUTOLORA_STATIC_SHARED(type, name, extents) __shared__ type name extents

#else
#error "autolora_cuda.cuh: compile with nvcc, clang -x cuda, or a C++ compiler with -DAUTOLORA_HOST_EMULATION"
#endif

// ---- shared helpers (every build) -----------------------------------------------------------

// Four consecutive floats as one 16-byte access (ld/st.global.v4.f32 on the device). Our own
// type rather than CUDA's float4 because the clang build has no SDK headers to declare it.
struct alignas(16) autolora_float4 { float x, y, z, w; };

#if defined(AUTOLORA_VECTOR_ACCESS_BY_COPY)
static inline void autolora_check_aligned16(const float* p)
{
    if ((reinterpret_cast<unsigned long long>(p) & 15u) != 0) autolora_emu::misaligned_vector_access(p);
}
static inline autolora_float4 autolora_load4(const float* p)
{
    autolora_check_aligned16(p);
    autolora_float4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
static inline void autolora_store4(float* p, autolora_float4 v)
{
    autolora_check_aligned16(p);
    std::memcpy(p, &v, sizeof v);
}
#else
// p must be 16-byte aligned (a misaligned vector access faults on the GPU); the streaming
// helpers below only pass such addresses.
static __device__ __forceinline__ autolora_float4 autolora_load4(const float* p) { return *reinterpret_cast<const autolora_float4*>(p); }
static __device__ __forceinline__ void autolora_store4(float* p, autolora_float4 v) { *reinterpret_cast<autolora_float4*>(p) = v; }
#endif

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

// Softmax's middle pass over one row held by a warp: y[j] = exp(x[j] − max) for the warp's
// elements j = lane, lane + 32, … < count, and Σ_j y[j] over the whole row, returned to every lane.
// y may alias x (each lane reads an element before it writes it).
static __device__ __forceinline__ float autolora_warp_exp_sum(const float* x, float* y, int count, unsigned lane, float max)
{
    float s = 0.0f;
    for (int j = lane; j < count; j += 32) {
        float e = autolora_exp(x[j] - max);
        y[j] = e;
        s += e;
    }
    return autolora_warp_sum(s);
}

// One warp per row of a (rows, cols) matrix, grid-stride over rows (launch shape warps(rows)):
// declares `lane` (0..31) and loops `row` over this warp's rows. The whole warp takes the same
// rows, so the warp reductions above may be called inside the loop.
#define AUTOLORA_WARP_ROWS(row, rows)                                                              \
    unsigned lane = threadIdx.x & 31u;                                                             \
    long long warpsPerGrid = static_cast<long long>(blockDim.x / 32) * gridDim.x;                  \
    for (long long row = static_cast<long long>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; \
         row < (rows); row += warpsPerGrid)

// ---- vectorised grid-stride streaming (the memory-bound kernels) ----------------------------
//
// A kernel that streams arrays moves them as float4 where it can: a quarter of the load/store
// instructions for the same bytes, so the memory system, not instruction issue, is the limit.
// float4 needs 16-byte alignment. cuMemAlloc'd buffers are 256-byte aligned, but a kernel may
// get a pointer into the middle of one, so the helpers look at the addresses:
//   * all pointers at the same offset from a 16-byte boundary (the usual case, including every
//     whole buffer): the first `head` (0..3) elements go one at a time, then aligned quads, then
//     the 0..3 tail elements one at a time;
//   * pointers at different offsets: no common quad alignment exists, so every element goes one
//     at a time (still a correct grid-stride loop).
// Each thread of the grid takes quads q = tid, tid + stride, ... and then the few head/tail
// elements e = tid, tid + stride, ... in that order; launch about ceil(n / 4) threads.

// Offset of p, in floats, past the previous 16-byte boundary (0..3); floats are 4-byte aligned.
static __device__ __forceinline__ unsigned autolora_quad_phase(const void* p)
{
    return static_cast<unsigned>(reinterpret_cast<unsigned long long>(p) >> 2) & 3u;
}

// The scalar head before the first aligned quad shared by every pointer (capped at n), or -1 when
// the pointers are not at the same phase and nothing can be vectorised.
template <typename... Rest>
static __device__ __forceinline__ long long autolora_stream_head(long long n, const float* first, const Rest*... rest)
{
    unsigned phase = autolora_quad_phase(first);
    if (!((autolora_quad_phase(rest) == phase) && ...)) return -1;
    long long head = (4 - phase) & 3u;
    return head < n ? head : n;
}

// The grid-stride loop over [0, n): quad(i) for each aligned quad i..i+3 and one(i) for each
// element outside them. head comes from autolora_stream_head over every pointer the bodies touch.
template <typename One, typename Quad>
static __device__ __forceinline__ void autolora_stream(long long n, long long head, One one, Quad quad)
{
    long long first = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    if (head < 0) {
        for (long long i = first; i < n; i += stride) one(i);
        return;
    }
    long long quads = (n - head) / 4;
    long long tail = head + 4 * quads;
    for (long long q = first; q < quads; q += stride) quad(head + 4 * q);
    long long edges = head + (n - tail);
    for (long long e = first; e < edges; e += stride) one(e < head ? e : tail + (e - head));
}

// f applied lane by lane to float4s: {f(a.x, b.x, ...), ..., f(a.w, b.w, ...)}.
template <typename F, typename... V>
static __device__ __forceinline__ autolora_float4 autolora_lanes(F f, const V&... v)
{
    return autolora_float4{f(v.x...), f(v.y...), f(v.z...), f(v.w...)};
}

// {f(i), f(i + 1), f(i + 2), f(i + 3)}: a quad of values that depend on the element index.
template <typename F>
static __device__ __forceinline__ autolora_float4 autolora_quad_of(long long i, F f)
{
    return autolora_float4{f(i), f(i + 1), f(i + 2), f(i + 3)};
}

// y[i] = f(in0[i], in1[i], ...) for i in [0, n). Every input element is read before y[i] is
// written (in the scalar and the vector body), so y may alias an input exactly.
template <typename F, typename... In>
static __device__ __forceinline__ void autolora_map(long long n, F f, float* y, const In*... in)
{
    autolora_stream(
        n, autolora_stream_head(n, y, in...),
        [&](long long i) { y[i] = f(in[i]...); },
        [&](long long i) { autolora_store4(y + i, autolora_lanes(f, autolora_load4(in + i)...)); });
}
