// transformer.cu — the vision transformer's own ops: LayerNorm over the last axis, GELU in its
// exact (erf) and tanh forms, and softmax over the last axis. Tensors are (rows, cols) row-major,
// cols the feature (LayerNorm) or key (softmax) axis.
//
// layer_norm_f32(x, gamma, beta, y, mean, rstd, rows, cols, eps)
//   PyTorch's LayerNorm: μ = mean(x), σ² = mean((x − μ)²) (biased), r = 1/sqrt(σ² + eps),
//   y = (x − μ)·r·γ + β. mean and rstd (one per row) are saved for the backward. Two passes for σ²
//   (not E[x²] − μ², which cancels when |μ| ≫ σ); the second and third passes hit L1.
// layer_norm_backward_f32(x, dy, gamma, mean, rstd, dx, rows, cols)
//   x̂ = (x − μ)·r, g = dy·γ: dx = r·(g − mean(g) − x̂·mean(g·x̂)).
// layer_norm_params_backward_f32(x, dy, mean, rstd, dgamma, dbeta, rows, cols)
//   dγ = Σ_rows dy·x̂, dβ = Σ_rows dy: column sums, one thread per column walking down the rows,
//   so a warp reads 32 consecutive floats of a row at a time (coalesced), no atomics. Only cols
//   threads: enough for ViT widths (192–768) on short sequences; a split over row blocks would be
//   the next step for B·T ≫ cols.
// gelu_f32 / gelu_backward_f32        y = x·Φ(x), Φ(x) = (1 + erf(x/√2))/2; dx = dy·(Φ(x) + x·φ(x))
// gelu_tanh_f32 / gelu_tanh_backward_f32
//   y = x·(1 + tanh(u))/2, u = √(2/π)·(x + 0.044715·x³), and its exact derivative.
// softmax_f32(x, y, rows, cols)        y = exp(x − max) / Σ exp(x − max)
// softmax_backward_f32(y, dy, dx, rows, cols)   dx = y·(dy − Σ y·dy)
//   Each lane reads an element before it writes the same element, so y may alias x (softmax) and
//   dx may alias dy (backward): attention runs both in place on its (batch·Tq, Tk) scratch.
//
// Row kernels are one warp per row (warp shuffles, no shared memory); the elementwise ones
// stream float4 quads. The device build has no libdevice, so erf and tanh are built here from
// autolora_exp, and the CPU backend evaluates the same formulas (CpuBackend.Transformer.cs).
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// erf by Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7, about an ulp of GELU's 1 + erf.
static __device__ __forceinline__ float autolora_erf(float x)
{
    float a = x < 0.0f ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    float e = 1.0f - poly * autolora_exp(-a * a);
    return x < 0.0f ? -e : e;
}

// tanh(u) = 1 − 2/(exp(2u) + 1): exp overflowing to ∞ gives exactly 1, underflowing to 0 gives −1.
static __device__ __forceinline__ float autolora_tanh(float u)
{
    return 1.0f - 2.0f / (autolora_exp(2.0f * u) + 1.0f);
}

#define AUTOLORA_SQRT1_2 0.70710678118654752f
#define AUTOLORA_INV_SQRT_2PI 0.39894228040143268f
#define AUTOLORA_SQRT_2_OVER_PI 0.79788456080286536f
#define AUTOLORA_GELU_CUBIC 0.044715f

// @traffic 4 + 4: x read; y written (γ, β and the per-row mean and rstd left out)
// @launch warps(rows)
// @implements LayerNormCore(rows, cols, x, gamma, beta, eps, y, mean, rstd)
extern "C" __global__ void layer_norm_f32(const float* __restrict__ x, const float* __restrict__ gamma,
                                          const float* __restrict__ beta, float* __restrict__ y, float* __restrict__ mean,
                                          float* __restrict__ rstd, int rows, int cols, float eps)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        const float* xr = x + r * cols;
        float s = 0.0f;
        for (int j = lane; j < cols; j += 32) s += xr[j];
        float mu = autolora_warp_sum(s) / cols;
        float q = 0.0f;
        for (int j = lane; j < cols; j += 32) q += (xr[j] - mu) * (xr[j] - mu);
        float inv = 1.0f / autolora_sqrt(autolora_warp_sum(q) / cols + eps);
        for (int j = lane; j < cols; j += 32) y[r * cols + j] = (xr[j] - mu) * inv * gamma[j] + beta[j];
        if (lane == 0) {
            mean[r] = mu;
            rstd[r] = inv;
        }
    }
}
AUTOLORA_HOST_ENTRY(layer_norm_f32)

// @traffic 8 + 4: x, dy read; dx written (γ and the row statistics left out)
// @launch warps(rows)
// @implements LayerNormBackwardCore(rows, cols, x, dy, gamma, mean, rstd, dx)
extern "C" __global__ void layer_norm_backward_f32(const float* __restrict__ x, const float* __restrict__ dy,
                                                   const float* __restrict__ gamma, const float* __restrict__ mean,
                                                   const float* __restrict__ rstd, float* __restrict__ dx, int rows, int cols)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        long long o = r * cols;
        float mu = mean[r], inv = rstd[r];
        float sg = 0.0f, sgx = 0.0f;
        for (int j = lane; j < cols; j += 32) {
            float g = dy[o + j] * gamma[j];
            sg += g;
            sgx += g * (x[o + j] - mu) * inv;
        }
        float meanG = autolora_warp_sum(sg) / cols, meanGx = autolora_warp_sum(sgx) / cols;
        for (int j = lane; j < cols; j += 32) {
            float xhat = (x[o + j] - mu) * inv;
            dx[o + j] = inv * (dy[o + j] * gamma[j] - meanG - xhat * meanGx);
        }
    }
}
AUTOLORA_HOST_ENTRY(layer_norm_backward_f32)

// @traffic 8 + 8: x, dy read per element; dγ and dβ written per column
// @launch threads(cols)
// @implements LayerNormParamsBackwardCore(rows, cols, x, dy, mean, rstd, dgamma, dbeta)
extern "C" __global__ void layer_norm_params_backward_f32(const float* __restrict__ x, const float* __restrict__ dy,
                                                          const float* __restrict__ mean, const float* __restrict__ rstd,
                                                          float* __restrict__ dgamma, float* __restrict__ dbeta, int rows, int cols)
{
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long j = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; j < cols; j += stride) {
        float sg = 0.0f, sb = 0.0f;
        for (long long r = 0; r < rows; r++) {
            float d = dy[r * cols + j];
            sg += d * (x[r * cols + j] - mean[r]) * rstd[r];
            sb += d;
        }
        dgamma[j] = sg;
        dbeta[j] = sb;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(layer_norm_params_backward_f32)

// @traffic 4 + 4
// @launch stream(n)
// @implements GeluCore(n, x, y)
// @declares elementwise(n): y = x·Φ(x) with Φ the standard normal CDF (PyTorch's exact GELU). y may alias x.
extern "C" __global__ void gelu_f32(const float* x, float* y, int n)
{
    autolora_map(n, [](float v) { return 0.5f * v * (1.0f + autolora_erf(v * AUTOLORA_SQRT1_2)); }, y, x);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(gelu_f32)

// @traffic 8 + 4
// @launch stream(n)
// @implements GeluBackwardCore(n, x, dy, dx)
// @declares elementwise(n): dx = dy·(Φ(x) + x·φ(x)), the exact GELU's derivative at the forward input x. dx may alias x or dy.
extern "C" __global__ void gelu_backward_f32(const float* x, const float* dy, float* dx, int n)
{
    autolora_map(n, [](float v, float g) {
        float cdf = 0.5f * (1.0f + autolora_erf(v * AUTOLORA_SQRT1_2));
        float pdf = AUTOLORA_INV_SQRT_2PI * autolora_exp(-0.5f * v * v);
        return g * (cdf + v * pdf);
    }, dx, x, dy);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(gelu_backward_f32)

// @traffic 4 + 4
// @launch stream(n)
// @implements GeluTanhCore(n, x, y)
// @declares elementwise(n): y = x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (PyTorch's GELU with approximate='tanh'). y may alias x.
extern "C" __global__ void gelu_tanh_f32(const float* x, float* y, int n)
{
    autolora_map(n, [](float v) {
        return 0.5f * v * (1.0f + autolora_tanh(AUTOLORA_SQRT_2_OVER_PI * (v + AUTOLORA_GELU_CUBIC * v * v * v)));
    }, y, x);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(gelu_tanh_f32)

// @traffic 8 + 4
// @launch stream(n)
// @implements GeluTanhBackwardCore(n, x, dy, dx)
// @declares elementwise(n): dx = dy·d/dx[tanh-form GELU] at the forward input x. dx may alias x or dy.
extern "C" __global__ void gelu_tanh_backward_f32(const float* x, const float* dy, float* dx, int n)
{
    autolora_map(n, [](float v, float g) {
        float t = autolora_tanh(AUTOLORA_SQRT_2_OVER_PI * (v + AUTOLORA_GELU_CUBIC * v * v * v));
        float du = AUTOLORA_SQRT_2_OVER_PI * (1.0f + 3.0f * AUTOLORA_GELU_CUBIC * v * v);
        return g * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
    }, dx, x, dy);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(gelu_tanh_backward_f32)

// @traffic 4 + 4
// @launch warps(rows)
// @implements SoftmaxCore(rows, cols, x, y)
// @declares rows(rows, cols): Row-wise softmax of a (rows, cols) matrix, shifted by the row maximum. y may alias x.
extern "C" __global__ void softmax_f32(const float* x, float* y, int rows, int cols)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float m = -__builtin_huge_valf();
        for (int j = lane; j < cols; j += 32) m = xr[j] > m ? xr[j] : m;
        m = autolora_warp_max(m);
        float inv = 1.0f / autolora_warp_exp_sum(xr, yr, cols, lane, m);
        for (int j = lane; j < cols; j += 32) yr[j] *= inv;
    }
}
AUTOLORA_HOST_ENTRY(softmax_f32)

// @traffic 8 + 4
// @launch warps(rows)
// @implements SoftmaxBackwardCore(rows, cols, y, dy, dx)
// @declares rows(rows, cols): dx = y·(dy − Σ y·dy) per row, given the forward output y = softmax. dx may alias dy.
extern "C" __global__ void softmax_backward_f32(const float* __restrict__ y, const float* dy, float* dx, int rows, int cols)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        long long o = r * cols;
        float s = 0.0f;
        for (int j = lane; j < cols; j += 32) s += y[o + j] * dy[o + j];
        s = autolora_warp_sum(s);
        for (int j = lane; j < cols; j += 32) dx[o + j] = y[o + j] * (dy[o + j] - s);
    }
}
AUTOLORA_HOST_ENTRY(softmax_backward_f32)
