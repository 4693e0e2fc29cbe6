// resize.cu — bilinear resizing with PyTorch's align_corners=False rule (F.interpolate with an
// output size; see ResizeGeometry in src/AutoLoRa.Core/Backends for the formula), and nearest
// resizing (F.interpolate's default mode) as its one-tap case when `nearest` is non-zero:
// i0 = i1 = min(⌊d·scale⌋, in − 1) with weights 1 and 0, so both kernels serve both modes.
//
// x is (planes = N·C, H, W), y is (planes, outH, outW). scaleH = H / outH and scaleW = W / outW
// are computed on the host (a float division, as PyTorch does), so every backend starts from the
// same scales. Along an axis, output d reads input s = max(scale·(d + ½) − ½, 0) between
// i0 = ⌊s⌋ and i1 = min(i0 + 1, in − 1) with weights 1 − (s − i0) and s − i0.
//
// resize_bilinear_f32(x, y, planes, H, W, outH, outW, scaleH, scaleW, nearest)
//   one thread per output element, grid-stride. Reads 4 · 4 bytes (cache hits when upsampling),
//   writes 4 bytes per output.
// resize_bilinear_backward_f32(dy, dx, planes, H, W, outH, outW, scaleH, scaleW, nearest)
//   one thread per INPUT element gathers dy over the outputs that tap it, with the forward's own
//   weights, so no atomics and a deterministic sum. The outputs that tap input i along an axis
//   form a contiguous run (s grows with d); the run is bracketed from the inverse map with two
//   outputs of margin (which also covers nearest's run, d ∈ [i/scale, (i+1)/scale)) and each
//   candidate is tested exactly. Reads about (2·outH/H + 4)·(2·outW/W + 4)
//   outputs, writes 4 bytes per input element.
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

struct autolora_taps { int i0, i1; float w0, w1; };

static __device__ __forceinline__ autolora_taps autolora_resize_taps(float scale, int dst, int inSize, int nearest)
{
    autolora_taps t;
    if (nearest) {
        int i = static_cast<int>(dst * scale);  // truncation is the floor here: dst · scale ≥ 0
        t.i0 = t.i1 = i < inSize - 1 ? i : inSize - 1;
        t.w0 = 1.0f;
        t.w1 = 0.0f;
        return t;
    }
    float src = scale * (dst + 0.5f) - 0.5f;
    if (src < 0.0f) src = 0.0f;
    t.i0 = static_cast<int>(src);
    t.i1 = t.i0 < inSize - 1 ? t.i0 + 1 : t.i0;
    t.w1 = src - t.i0;
    t.w0 = 1.0f - t.w1;
    return t;
}

// The weight with which output d (along an axis) reads input i: 0 unless i is one of its taps.
static __device__ __forceinline__ float autolora_resize_weight(float scale, int d, int inSize, int i, int nearest)
{
    autolora_taps t = autolora_resize_taps(scale, d, inSize, nearest);
    return (t.i0 == i ? t.w0 : 0.0f) + (t.i1 == i ? t.w1 : 0.0f);
}

// Outputs [lo, hi] that may tap input i: s(d) ∈ (i − 1, i + 1] ⇔ d ∈ ((i − ½)/scale − ½, (i + 1½)/scale − ½],
// widened by two on each side against rounding and clamped to the axis.
static __device__ __forceinline__ void autolora_resize_run(float scale, int i, int outSize, int* lo, int* hi)
{
    int a = static_cast<int>((i - 0.5f) / scale - 0.5f) - 2;
    int b = static_cast<int>((i + 1.5f) / scale - 0.5f) + 2;
    *lo = a < 0 ? 0 : a;
    *hi = b < outSize - 1 ? b : outSize - 1;
}

// @traffic 4 + 4: input read, output written
// @launch threads(planes * outH * outW)
extern "C" __global__ void resize_bilinear_f32(const float* __restrict__ x, float* __restrict__ y, int planes, int H, int W,
                                               int outH, int outW, float scaleH, float scaleW, int nearest)
{
    long long total = static_cast<long long>(planes) * outH * outW;
    long long step = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long o = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; o < total; o += step) {
        int ox = static_cast<int>(o % outW);
        int oy = static_cast<int>((o / outW) % outH);
        long long p = o / (static_cast<long long>(outW) * outH);
        const float* xp = x + p * H * W;
        autolora_taps r = autolora_resize_taps(scaleH, oy, H, nearest);
        autolora_taps c = autolora_resize_taps(scaleW, ox, W, nearest);
        const float* top = xp + static_cast<long long>(r.i0) * W;
        const float* bottom = xp + static_cast<long long>(r.i1) * W;
        y[o] = r.w0 * (c.w0 * top[c.i0] + c.w1 * top[c.i1]) + r.w1 * (c.w0 * bottom[c.i0] + c.w1 * bottom[c.i1]);
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(resize_bilinear_f32)

// @traffic 4 + 4: dy read per output, dx written per input
// @launch threads(planes * H * W)
extern "C" __global__ void resize_bilinear_backward_f32(const float* __restrict__ dy, float* __restrict__ dx, int planes, int H, int W,
                                                        int outH, int outW, float scaleH, float scaleW, int nearest)
{
    long long total = static_cast<long long>(planes) * H * W;
    long long step = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
        int ix = static_cast<int>(i % W);
        int iy = static_cast<int>((i / W) % H);
        long long p = i / (static_cast<long long>(W) * H);
        const float* dyp = dy + p * outH * outW;
        int oyLo, oyHi, oxLo, oxHi;
        autolora_resize_run(scaleH, iy, outH, &oyLo, &oyHi);
        autolora_resize_run(scaleW, ix, outW, &oxLo, &oxHi);
        float acc = 0.0f;
        for (int oy = oyLo; oy <= oyHi; oy++) {
            float wy = autolora_resize_weight(scaleH, oy, H, iy, nearest);
            if (wy == 0.0f) continue;
            float row = 0.0f;
            for (int ox = oxLo; ox <= oxHi; ox++) {
                float wx = autolora_resize_weight(scaleW, ox, W, ix, nearest);
                if (wx != 0.0f) row += wx * dyp[static_cast<long long>(oy) * outW + ox];
            }
            acc += wy * row;
        }
        dx[i] = acc;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(resize_bilinear_backward_f32)
