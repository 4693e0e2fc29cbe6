// layout.cu — moving data between layouts without arithmetic: the vision transformer's patch
// embedding, (N, D, P) → (N, P, D), and its class-token rows. (Attention heads are not split or
// merged by copies: the attention primitives read them in place, see attention.cu.)
//
// swap_axes_f32(x, y, outer, a, b, inner)
//   x is (outer, a, b, inner) row-major, y is (outer, b, a, inner): y[o, j, i, r] = x[o, i, j, r].
//   The patch embedding turns the convolution's (N, D, P) into tokens (N, P, D) with it (inner 1);
//   its gradient is the same swap with a and b exchanged. One thread per output element,
//   grid-stride; consecutive threads write consecutive floats and, inside a run of `inner`, read
//   consecutive floats too. y must not alias x.
//
// copy_rows_f32(x, y, rows, width, xOffset, xStride, yOffset, yStride)
//   y[yOffset + r·yStride + c] = x[xOffset + r·xStride + c] for r < rows, c < width: one strided
//   copy instead of one cuMemcpy per sample. The class token goes in front of every sequence
//   (xStride 0: the one token broadcast to every row), the patches behind it, the class token is
//   taken out again, and their gradients go back the same way. One thread per copied float,
//   grid-stride; consecutive threads move consecutive floats of a row. y's rows must not overlap
//   each other or x's (checked on the host).
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// @traffic 4 + 4
// @launch threads(outer * a * b * inner)
// @implements SwapAxesCore(outer, a, b, inner, x, y)
extern "C" __global__ void swap_axes_f32(const float* __restrict__ x, float* __restrict__ y, int outer, int a, int b, int inner)
{
    long long total = static_cast<long long>(outer) * a * b * inner;
    long long step = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long e = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += step) {
        // e indexes y = (o, j, i, r); read x at (o, i, j, r).
        long long r = e % inner;
        long long rest = e / inner;
        long long i = rest % a;
        rest /= a;
        long long j = rest % b;
        long long o = rest / b;
        y[e] = x[((o * a + i) * b + j) * inner + r];
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(swap_axes_f32)

// @traffic 4 + 4
// @launch threads(rows * width)
// @implements CopyRowsCore(rows, width, x, xOffset, xStride, y, yOffset, yStride)
extern "C" __global__ void copy_rows_f32(const float* __restrict__ x, float* __restrict__ y, int rows, int width,
                                         int xOffset, int xStride, int yOffset, int yStride)
{
    long long total = static_cast<long long>(rows) * width;
    long long step = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long e = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += step) {
        long long r = e / width, c = e % width;
        y[yOffset + r * yStride + c] = x[xOffset + r * xStride + c];
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(copy_rows_f32)
