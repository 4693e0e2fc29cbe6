// pgd_step.cu — one projected-gradient-descent (PGD) attack step, fused.
//
// Computes, for i in [0, n):
//   out[i] = clamp(clamp(x[i] + alpha * sign(g[i]), x0[i] - eps, x0[i] + eps), 0, 1)
// with sign(0) = 0 (and sign(NaN) = 0), written with the same comparisons as
// CpuBackend.PgdStep so both backends agree bit for bit. alpha * sign(g) is +alpha, -alpha or 0,
// so no rounding happens before the add.
//
// Shapes: x, g, x0, out are float32[n] (a flattened NCHW image batch); out may alias x (IBackend
//         allows an in-place step), so x is deliberately not __restrict__: each thread reads x[i]
//         before writing out[i], which is safe, but a restrict x would license non-coherent loads.
// Launch:  1-D, any grid and block (grid-stride loop), e.g. block 256,
//          grid min(ceil(n / 256), 32 * SM count).
// Traffic: reads 3 * 4n bytes, writes 4n bytes: 16n bytes per call.
#include "autolora_cuda.cuh"

extern "C" __global__ void pgd_step_f32(const float* x, const float* __restrict__ g,
                                        const float* __restrict__ x0, float* out, int n, float alpha,
                                        float eps)
{
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        float gi = g[i];
        float step = x[i] + (gi > 0.0f ? alpha : gi < 0.0f ? -alpha : 0.0f);
        float lo = x0[i] - eps;
        float hi = x0[i] + eps;
        step = step < lo ? lo : step > hi ? hi : step;
        out[i] = step < 0.0f ? 0.0f : step > 1.0f ? 1.0f : step;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(pgd_step_f32)
