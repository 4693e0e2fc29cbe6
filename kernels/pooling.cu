// pooling.cu — max pooling with PyTorch's argmax semantics (cuDNN exposes no argmax, so these
// are ours; average pooling goes through cuDNN's AVERAGE_COUNT_INCLUDE_PADDING).
//
// x is (planes = N·C, H, W), y and argmax are (planes, outH, outW); argmax holds h·W + w inside
// the input plane. Padding never wins, the first maximum in row-major window order wins ties,
// and a NaN wins over numbers (CpuBackend's rule).
//
// maxpool_forward_f32(x, y, argmax, planes, H, W, outH, outW, kernel, stride, pad)
//   one thread per output element, grid-stride. Reads kernel² · 4 bytes (mostly cache hits),
//   writes 8 bytes per output.
// maxpool_backward_f32(dy, argmax, dx, error, planes, H, W, outH, outW, kernel, stride, pad)
//   one thread per INPUT element gathers dy over the windows that contain it whose argmax points
//   at it (in output order, as the CPU backend adds them), so no atomics and a deterministic
//   sum. An argmax outside the plane sets *error = 2. Reads ≤ ceil(kernel/stride)² · 8 bytes,
//   writes 4 bytes per input element.
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// @traffic 4 + 8: input read, y and argmax written per output
// @launch threads(planes * outH * outW)
extern "C" __global__ void maxpool_forward_f32(const float* __restrict__ x, float* __restrict__ y, int* __restrict__ argmax,
                                               int planes, int H, int W, int outH, int outW, int kernel, int stride, int pad)
{
    long long total = static_cast<long long>(planes) * outH * outW;
    long long step = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long o = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; o < total; o += step) {
        int ow = static_cast<int>(o % outW);
        int oh = static_cast<int>((o / outW) % outH);
        long long p = o / (static_cast<long long>(outW) * outH);
        const float* xp = x + p * H * W;
        int h0 = oh * stride - pad, w0 = ow * stride - pad;
        int h1 = h0 + kernel < H ? h0 + kernel : H, w1 = w0 + kernel < W ? w0 + kernel : W;
        h0 = h0 < 0 ? 0 : h0;
        w0 = w0 < 0 ? 0 : w0;
        int best = h0 * W + w0;
        float m = -__builtin_huge_valf();
        bool done = false;
        for (int h = h0; h < h1 && !done; h++) {
            for (int w = w0; w < w1; w++) {
                float v = xp[h * W + w];
                if (v > m || v != v) {
                    m = v;
                    best = h * W + w;
                    if (v != v) { done = true; break; }
                }
            }
        }
        y[o] = xp[best];
        argmax[o] = best;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(maxpool_forward_f32)

// @traffic 8 + 4: dy and argmax read per output, dx written per input
// @launch threads(planes * H * W)
extern "C" __global__ void maxpool_backward_f32(const float* __restrict__ dy, const int* __restrict__ argmax,
                                                float* __restrict__ dx, int* error, int planes, int H, int W,
                                                int outH, int outW, int kernel, int stride, int pad)
{
    long long total = static_cast<long long>(planes) * H * W;
    long long step = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
        int w = static_cast<int>(i % W);
        int h = static_cast<int>((i / W) % H);
        long long p = i / (static_cast<long long>(W) * H);
        int self = h * W + w;
        // Windows containing (h, w): oh·stride − pad ≤ h < oh·stride − pad + kernel.
        int ohLo = h + pad - kernel + 1, owLo = w + pad - kernel + 1;
        ohLo = ohLo <= 0 ? 0 : (ohLo + stride - 1) / stride;
        owLo = owLo <= 0 ? 0 : (owLo + stride - 1) / stride;
        int ohHi = (h + pad) / stride, owHi = (w + pad) / stride;
        ohHi = ohHi < outH - 1 ? ohHi : outH - 1;
        owHi = owHi < outW - 1 ? owHi : outW - 1;
        float acc = 0.0f;
        for (int oh = ohLo; oh <= ohHi; oh++) {
            for (int ow = owLo; ow <= owHi; ow++) {
                long long o = (p * outH + oh) * outW + ow;
                int a = argmax[o];
                if (a == self) acc += dy[o];
            }
        }
        // Validation: thread i also checks argmax[i] (outputs never outnumber inputs here).
        if (i < static_cast<long long>(planes) * outH * outW) {
            int a = argmax[i];
            if (a < 0 || a >= H * W) *error = 2;
        }
        dx[i] = acc;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(maxpool_backward_f32)
