// elementwise.cu — the pointwise ops of Backend that cuBLAS/cuDNN do not cover.
//
// Every kernel maps i in [0, n) to one output element through autolora_map / autolora_stream
// (autolora_cuda.cuh): a grid-stride loop over float4 quads where all its pointers share a
// 16-byte phase, scalar for the 0..3 head and tail elements and for pointers at mixed phases.
// Outputs may alias inputs (Backend allows it): each thread reads its element (or quad) before
// writing it, and no pointer is __restrict__ for that reason. NaN propagates through
// min/max/clamp/relu as in CpuBackend (System.Numerics.Tensors semantics).
//
// kernel                       computes
// axpby_f32(a,b,y,n,α,β)       y = α·a + β·b
// scale_f32(x,y,n,α)           y = α·x
// mul_f32(a,b,y,n)             y = a·b
// relu_f32(x,y,n)              y = max(x, 0)
// relu_backward_f32(y,dy,dx,n) dx = y > 0 ? dy : 0
// add_relu_f32(a,b,y,n)        y = max(a + b, 0): a residual block's sum and ReLU in one pass
// add_relu_backward_f32(y,dy,da,db,n)  da = db = y > 0 ? dy : 0: both inputs' gradients in one pass
// sign_f32(x,y,n)              y = sign(x), sign(0) = sign(NaN) = 0
// clamp_f32(x,y,n,lo,hi)       y = min(max(x, lo), hi)
// min_f32 / max_f32(a,b,y,n)   y = min/max(a, b)
// add_bias_f32(y,bias,n,C,I)   y[o,c,i] += bias[c] (y as (n/(C·I), C, I)); bias from cache
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

static __device__ __forceinline__ bool autolora_isnan(float v) { return v != v; }

static __device__ __forceinline__ float autolora_max(float a, float b)
{
    return autolora_isnan(a) ? a : autolora_isnan(b) ? b : (a > b ? a : b);
}

static __device__ __forceinline__ float autolora_min(float a, float b)
{
    return autolora_isnan(a) ? a : autolora_isnan(b) ? b : (a < b ? a : b);
}

// @traffic 8 + 4
// @launch stream(n)
// @implements AxpbyCore(n, alpha, a, beta, b, y)
// @declares elementwise(n): y = alpha·a + beta·b.
extern "C" __global__ void axpby_f32(const float* a, const float* b, float* y, int n, float alpha, float beta)
{
    autolora_map(n, [=](float va, float vb) { return alpha * va + beta * vb; }, y, a, b);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(axpby_f32)

// @traffic 4 + 4
// @launch stream(n)
// @implements ScaleCore(n, alpha, x, y)
// @declares elementwise(n): y = alpha·x.
extern "C" __global__ void scale_f32(const float* x, float* y, int n, float alpha)
{
    autolora_map(n, [=](float v) { return alpha * v; }, y, x);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(scale_f32)

// @traffic 8 + 4
// @launch stream(n)
// @implements MultiplyCore(n, a, b, y)
// @declares elementwise(n): y = a ⊙ b.
extern "C" __global__ void mul_f32(const float* a, const float* b, float* y, int n)
{
    autolora_map(n, [](float va, float vb) { return va * vb; }, y, a, b);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(mul_f32)

// @traffic 4 + 4
// @launch stream(n)
// @implements ReluCore(n, x, y)
// @declares elementwise(n): y = max(x, 0).
extern "C" __global__ void relu_f32(const float* x, float* y, int n)
{
    autolora_map(n, [](float v) { return autolora_max(v, 0.0f); }, y, x);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(relu_f32)

// @traffic 8 + 4: a and b read; y written
// @launch stream(n)
// @implements AddReluCore(n, a, b, y)
// @declares elementwise(n): y = max(a + b, 0), the sum rounded once: a residual block's sum and ReLU in one pass. y may alias a or b.
extern "C" __global__ void add_relu_f32(const float* a, const float* b, float* y, int n)
{
    autolora_map(n, [](float va, float vb) { return autolora_max(va + vb, 0.0f); }, y, a, b);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(add_relu_f32)

// @traffic 8 + 4
// @launch stream(n)
// @implements ReluBackwardCore(n, y, dy, dx)
// @declares elementwise(n): dx = dy where the forward output y was positive, else 0.
extern "C" __global__ void relu_backward_f32(const float* y, const float* dy, float* dx, int n)
{
    autolora_map(n, [](float vy, float vdy) { return vy > 0.0f ? vdy : 0.0f; }, dx, y, dy);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(relu_backward_f32)

// Both gradients of y = relu(a + b) from one read of y and dy: 16 bytes per element where two
// relu_backward passes move 24. da and db are separate storage (each input's gradient is
// accumulated on its own); either may alias y or dy, as every element is read before it is written.
// @traffic 8 + 8: y, dy read; da, db written
// @launch stream(n)
// @implements AddReluBackwardCore(n, y, dy, da, db)
// @declares elementwise(n): da = db = dy where the forward output y = relu(a + b) was positive, else 0, in one pass.
extern "C" __global__ void add_relu_backward_f32(const float* y, const float* dy, float* da, float* db, int n)
{
    auto mask = [](float vy, float vdy) { return vy > 0.0f ? vdy : 0.0f; };
    autolora_stream(
        n, autolora_stream_head(n, y, dy, da, db),
        [=](long long i) {
            float g = mask(y[i], dy[i]);
            da[i] = g;
            db[i] = g;
        },
        [=](long long i) {
            autolora_float4 g = autolora_lanes(mask, autolora_load4(y + i), autolora_load4(dy + i));
            autolora_store4(da + i, g);
            autolora_store4(db + i, g);
        });
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(add_relu_backward_f32)

// @traffic 4 + 4
// @launch stream(n)
// @implements SignCore(n, x, y)
// @declares elementwise(n): y = sign(x), with sign(0) = sign(NaN) = 0.
extern "C" __global__ void sign_f32(const float* x, float* y, int n)
{
    autolora_map(n, [](float v) { return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f; }, y, x);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(sign_f32)

// @traffic 4 + 4
// @launch stream(n)
// @implements ClampCore(n, x, lo, hi, y)
// @declares elementwise(n): y = min(max(x, lo), hi).
extern "C" __global__ void clamp_f32(const float* x, float* y, int n, float lo, float hi)
{
    autolora_map(n, [=](float v) { return autolora_min(autolora_max(v, lo), hi); }, y, x);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(clamp_f32)

// @traffic 8 + 4
// @launch stream(n)
// @implements MinimumCore(n, a, b, y)
// @declares elementwise(n): y = min(a, b), NaN if either is.
extern "C" __global__ void min_f32(const float* a, const float* b, float* y, int n)
{
    autolora_map(n, [](float va, float vb) { return autolora_min(va, vb); }, y, a, b);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(min_f32)

// @traffic 8 + 4
// @launch stream(n)
// @implements MaximumCore(n, a, b, y)
// @declares elementwise(n): y = max(a, b), NaN if either is.
extern "C" __global__ void max_f32(const float* a, const float* b, float* y, int n)
{
    autolora_map(n, [](float va, float vb) { return autolora_max(va, vb); }, y, a, b);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(max_f32)

// In place on y; the bias index is recomputed per element (a quad may straddle two channels).
// @traffic 4 + 4: y read and written; bias (one per channel) left out
// @launch stream(n)
extern "C" __global__ void add_bias_f32(float* y, const float* __restrict__ bias, int n, int channels, int inner)
{
    auto biasAt = [=](long long i) { return bias[(i / inner) % channels]; };
    autolora_stream(
        n, autolora_stream_head(n, y),
        [=](long long i) { y[i] += biasAt(i); },
        [=](long long i) {
            autolora_float4 sum = autolora_lanes([](float v, float b) { return v + b; }, autolora_load4(y + i), autolora_quad_of(i, biasAt));
            autolora_store4(y + i, sum);
        });
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(add_bias_f32)
