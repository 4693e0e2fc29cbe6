// reduce.cu — float32 sums; the family that exercises block-level cooperation.
//
// sum_f32(x, partials, n): partials[blockIdx.x] = sum of the elements this block visits.
//   Each thread accumulates a grid-stride slice, then the block folds its blockDim.x values in
//   dynamic shared memory with a barrier per halving step. Any block size 1..1024 works (the
//   fold starts at the next power of two and skips missing partners).
//   Launch: 1-D grid G, block B, dynamic shared memory 4 * B bytes; partials is float32[G].
//   Writes G partials: sum them on the host or with a second launch (the backend folds them
//   with one block).
//
// sum_atomic_f32(x, total, n): *total += sum of x. Each warp folds with __shfl_down_sync, warp
//   leaders meet in static shared memory, and warp 0 folds those and adds one value per block
//   with atomicAdd, so *total must be zeroed first and the float result depends on block order.
//   Launch: 1-D grid G, block B a multiple of 32 (<= 1024), no dynamic shared memory.
//   One atomic per block.
// Both sums read x through autolora_thread_sum: float4 quads from the first 16-byte boundary
//   (each quad added as (x0 + x1) + (x2 + x3)), then the 0..3 head and tail elements; so about
//   ceil(n / 4) threads keep every thread busy.
//
// bias_backward_f32(dy, dbias, outer, channels, inner): dbias[c] = Σ_{o,i} dy[o, c, i].
//   One block per channel (grid-stride over channels); the block strides over its outer·inner
//   values (runs of `inner` contiguous floats), folds per warp with shuffles, then across warps
//   in static shared memory. Block a multiple of 32 (<= 1024).
// global_avg_pool_f32(x, y, planes, hw): y[p] = mean of x[p, :]. One warp per plane, coalesced
//   over hw.
// global_avg_pool_backward_f32(dy, dx, n, hw): dx[i] = dy[i / hw] / hw, elementwise over
//   n = planes·hw, stored as float4 quads where dx allows (autolora_stream), about ceil(n / 4)
//   threads. dy (one value per plane) is read once per plane, the rest from cache.
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// This thread's share of Σ x over the grid-stride quads, then the head/tail elements.
static __device__ __forceinline__ float autolora_thread_sum(const float* x, long long n)
{
    float acc = 0.0f;
    autolora_stream(
        n, autolora_stream_head(n, x),
        [&](long long i) { acc += x[i]; },
        [&](long long i) {
            autolora_float4 v = autolora_load4(x + i);
            acc += (v.x + v.y) + (v.z + v.w);
        });
    return acc;
}

// @traffic 4 + 4: n read, G partials written
// @launch caller
extern "C" __global__ void sum_f32(const float* __restrict__ x, float* __restrict__ partials, int n)
{
    AUTOLORA_DYNAMIC_SHARED(float, values);
    unsigned tid = threadIdx.x;
    values[tid] = autolora_thread_sum(x, n);
    __syncthreads();
    unsigned width = 1;
    while (width < blockDim.x) width <<= 1;
    for (unsigned half = width >> 1; half > 0; half >>= 1) {
        if (tid < half && tid + half < blockDim.x) values[tid] += values[tid + half];
        __syncthreads();
    }
    if (tid == 0) partials[blockIdx.x] = values[0];
}
AUTOLORA_HOST_ENTRY(sum_f32)

static __device__ __forceinline__ float warp_sum(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

// @test-only: exercises atomicAdd in the host emulation (tests/AutoLoRa.Kernels.Tests)
extern "C" __global__ void sum_atomic_f32(const float* __restrict__ x, float* total, int n)
{
    AUTOLORA_STATIC_SHARED(float, warpSums, [32]);
    unsigned tid = threadIdx.x;
    unsigned warps = blockDim.x / 32;
    float acc = warp_sum(autolora_thread_sum(x, n));
    if (tid % 32 == 0) warpSums[tid / 32] = acc;
    __syncthreads();
    if (tid < 32) {
        float v = warp_sum(tid < warps ? warpSums[tid] : 0.0f);
        if (tid == 0) atomicAdd(total, v);
    }
}
AUTOLORA_HOST_ENTRY(sum_atomic_f32)

// @traffic 4 + 4: dy read, one value written per channel
// @launch blocks(channels)
extern "C" __global__ void bias_backward_f32(const float* __restrict__ dy, float* __restrict__ dbias, int outer, int channels, int inner)
{
    AUTOLORA_STATIC_SHARED(float, warpSums, [32]);
    unsigned tid = threadIdx.x;
    long long perChannel = static_cast<long long>(outer) * inner;
    for (int c = blockIdx.x; c < channels; c += gridDim.x) {
        float acc = 0.0f;
        for (long long k = tid; k < perChannel; k += blockDim.x) {
            long long o = k / inner;
            acc += dy[(o * channels + c) * inner + k % inner];
        }
        acc = autolora_warp_sum(acc);
        if ((tid & 31u) == 0) warpSums[tid / 32] = acc;
        __syncthreads();
        if (tid < 32) {
            float v = autolora_warp_sum(tid < blockDim.x / 32 ? warpSums[tid] : 0.0f);
            if (tid == 0) dbias[c] = v;
        }
        __syncthreads(); // warpSums is reused by the next channel
    }
}
AUTOLORA_HOST_ENTRY(bias_backward_f32)

// @traffic 4 + 4: x read, one value written per plane
// @launch warps(planes)
extern "C" __global__ void global_avg_pool_f32(const float* __restrict__ x, float* __restrict__ y, int planes, int hw)
{
    unsigned lane = threadIdx.x & 31u;
    long long warpsPerGrid = static_cast<long long>(blockDim.x / 32) * gridDim.x;
    for (long long p = static_cast<long long>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; p < planes; p += warpsPerGrid) {
        float acc = 0.0f;
        for (int j = lane; j < hw; j += 32) acc += x[p * hw + j];
        acc = autolora_warp_sum(acc);
        if (lane == 0) y[p] = acc / hw;
    }
}
AUTOLORA_HOST_ENTRY(global_avg_pool_f32)

// @traffic 4 + 4: one value read per plane, n written
// @launch stream(n)
extern "C" __global__ void global_avg_pool_backward_f32(const float* __restrict__ dy, float* __restrict__ dx, int n, int hw)
{
    float inv = 1.0f / hw;
    auto gradAt = [=](long long i) { return dy[i / hw] * inv; };
    autolora_stream(
        n, autolora_stream_head(n, dx),
        [=](long long i) { dx[i] = gradAt(i); },
        [=](long long i) { autolora_store4(dx + i, autolora_quad_of(i, gradAt)); });
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(global_avg_pool_backward_f32)
