// elementwise.cu — the pointwise ops of IBackend that cuBLAS/cuDNN do not cover.
//
// Every kernel maps i in [0, n) to one output element with a grid-stride loop, so any 1-D
// launch is correct; the backend uses block 256, grid min(ceil(n / 256), 32 * SM count).
// Outputs may alias inputs (IBackend allows it): each thread reads its element before writing
// it, and no pointer is __restrict__ for that reason. NaN propagates through min/max/clamp/relu
// as in CpuBackend (System.Numerics.Tensors semantics).
//
// kernel                       computes                              bytes moved per element
// axpby_f32(a,b,y,n,α,β)       y = α·a + β·b                         12
// scale_f32(x,y,n,α)           y = α·x                               8
// mul_f32(a,b,y,n)             y = a·b                               12
// relu_f32(x,y,n)              y = max(x, 0)                         8
// relu_backward_f32(y,dy,dx,n) dx = y > 0 ? dy : 0                   12
// sign_f32(x,y,n)              y = sign(x), sign(0) = sign(NaN) = 0  8
// clamp_f32(x,y,n,lo,hi)       y = min(max(x, lo), hi)               8
// min_f32 / max_f32(a,b,y,n)   y = min/max(a, b)                     12
// add_bias_f32(y,bias,n,C,I)   y[o,c,i] += bias[c] (y as (n/(C·I), C, I))   8 (+bias, cached)
#include "autolora_cuda.cuh"

#define AUTOLORA_GRID_STRIDE(i, n)                                                                 \
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);  \
         i += static_cast<long long>(blockDim.x) * gridDim.x)

static __device__ __forceinline__ bool autolora_isnan(float v) { return v != v; }

static __device__ __forceinline__ float autolora_max(float a, float b)
{
    return autolora_isnan(a) ? a : autolora_isnan(b) ? b : (a > b ? a : b);
}

static __device__ __forceinline__ float autolora_min(float a, float b)
{
    return autolora_isnan(a) ? a : autolora_isnan(b) ? b : (a < b ? a : b);
}

extern "C" __global__ void axpby_f32(const float* a, const float* b, float* y, int n, float alpha, float beta)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = alpha * a[i] + beta * b[i];
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(axpby_f32)

extern "C" __global__ void scale_f32(const float* x, float* y, int n, float alpha)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = alpha * x[i];
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(scale_f32)

extern "C" __global__ void mul_f32(const float* a, const float* b, float* y, int n)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = a[i] * b[i];
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(mul_f32)

extern "C" __global__ void relu_f32(const float* x, float* y, int n)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = autolora_max(x[i], 0.0f);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(relu_f32)

extern "C" __global__ void relu_backward_f32(const float* y, const float* dy, float* dx, int n)
{
    AUTOLORA_GRID_STRIDE(i, n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(relu_backward_f32)

extern "C" __global__ void sign_f32(const float* x, float* y, int n)
{
    AUTOLORA_GRID_STRIDE(i, n)
    {
        float v = x[i];
        y[i] = v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(sign_f32)

extern "C" __global__ void clamp_f32(const float* x, float* y, int n, float lo, float hi)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = autolora_min(autolora_max(x[i], lo), hi);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(clamp_f32)

extern "C" __global__ void min_f32(const float* a, const float* b, float* y, int n)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = autolora_min(a[i], b[i]);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(min_f32)

extern "C" __global__ void max_f32(const float* a, const float* b, float* y, int n)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] = autolora_max(a[i], b[i]);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(max_f32)

extern "C" __global__ void add_bias_f32(float* y, const float* __restrict__ bias, int n, int channels, int inner)
{
    AUTOLORA_GRID_STRIDE(i, n) y[i] += bias[(i / inner) % channels];
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(add_bias_f32)
