// emulator_checks.cu — kernels that break CUDA's rules on purpose, so the tests can see the host
// emulation refuse or expose each break (tests/AutoLoRa.Kernels.Tests/EmulatorStrictnessTests.cs).
// None is launched by the backend.
#include "autolora_cuda.cuh"

// @test-only: even and odd threads wait at different __syncthreads calls, which the emulator refuses
extern "C" __global__ void divergent_barrier_f32(float* out)
{
    unsigned tid = threadIdx.x;
    // Different work after each barrier, so the compiler cannot merge the two calls into one.
    if (tid % 2 == 0) {
        out[tid] = 1.0f;
        __syncthreads();
        out[tid] += out[(tid + 1) % blockDim.x];
    } else {
        out[tid] = 2.0f;
        __syncthreads();
        out[tid] *= 3.0f;
    }
}
AUTOLORA_HOST_ENTRY(divergent_barrier_f32)

// @test-only: a shuffle whose mask names half the warp while all 32 lanes call it
extern "C" __global__ void half_mask_shuffle_f32(float* out)
{
    unsigned tid = threadIdx.x;
    out[tid] = __shfl_down_sync(0x0000ffffu, static_cast<float>(tid), 1);
}
AUTOLORA_HOST_ENTRY(half_mask_shuffle_f32)

// @test-only: reads shared memory nothing wrote (the emulator's poison shows as NaN)
extern "C" __global__ void unwritten_shared_f32(float* out)
{
    AUTOLORA_DYNAMIC_SHARED(float, scratch);
    out[threadIdx.x] = scratch[threadIdx.x];
}
AUTOLORA_HOST_ENTRY(unwritten_shared_f32)

// @test-only: a static shared array written only by the threads of block `writer` (none when
// writer < 0); every thread then reads its slot, so every other block reads memory it never wrote,
// which the emulator's per-worker copy would otherwise carry over from an earlier block or launch
extern "C" __global__ void unwritten_static_shared_f32(float* out, int writer)
{
    AUTOLORA_STATIC_SHARED(float, slots, [32]);
    unsigned tid = threadIdx.x;
    if (static_cast<int>(blockIdx.x) == writer) slots[tid] = 7.0f;
    out[blockIdx.x * blockDim.x + tid] = slots[tid];
}
AUTOLORA_HOST_ENTRY(unwritten_static_shared_f32)

// @test-only: a race: each thread writes its slot, then reads its neighbour's without a barrier,
// so what it reads depends on which thread ran first
extern "C" __global__ void neighbour_race_f32(float* out)
{
    AUTOLORA_DYNAMIC_SHARED(float, slots);
    unsigned tid = threadIdx.x;
    slots[tid] = static_cast<float>(tid);
    out[tid] = slots[(tid + 1) % blockDim.x];
}
AUTOLORA_HOST_ENTRY(neighbour_race_f32)

// @test-only: a race the default order hides: every thread writes its slot, and the last thread adds
// all slots up without a __syncthreads first, so out[0] is the sum only when the last thread happens
// to run after all the others (the emulator's forward order; any order on a GPU)
extern "C" __global__ void unsynchronised_sum_f32(const float* x, float* out)
{
    AUTOLORA_DYNAMIC_SHARED(float, slots);
    unsigned tid = threadIdx.x;
    slots[tid] = x[tid];
    if (tid == blockDim.x - 1) {
        float sum = 0.0f;
        for (unsigned i = 0; i < blockDim.x; ++i) sum += slots[i];
        out[0] = sum;
    }
}
AUTOLORA_HOST_ENTRY(unsynchronised_sum_f32)
