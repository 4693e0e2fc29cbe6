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
// Launch:  1-D, any grid and block (autolora_map: a grid-stride loop over float4 quads when x, g,
//          x0 and out share a 16-byte phase, scalar heads/tails and mixed phases).
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// @traffic 12 + 4: x, g, x0 read; out written
// @launch stream(n)
// @implements PgdStepCore(n, x, g, x0, alpha, eps, out)
extern "C" __global__ void pgd_step_f32(const float* x, const float* __restrict__ g,
                                        const float* __restrict__ x0, float* out, int n, float alpha,
                                        float eps)
{
    autolora_map(
        n,
        [=](float xi, float gi, float x0i) {
            float step = xi + (gi > 0.0f ? alpha : gi < 0.0f ? -alpha : 0.0f);
            float lo = x0i - eps;
            float hi = x0i + eps;
            step = step < lo ? lo : step > hi ? hi : step;
            return step < 0.0f ? 0.0f : step > 1.0f ? 1.0f : step;
        },
        out, x, g, x0);
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(pgd_step_f32)
