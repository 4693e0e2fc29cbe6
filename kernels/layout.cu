// layout.cu — moving data between layouts without arithmetic: the vision transformer's patch
// embedding, (N, D, P) → (N, P, D). (Attention heads are not split or merged by copies: the
// attention primitives read them in place, see attention.cu.)
//
// swap_axes_f32(x, y, outer, a, b, inner)
//   x is (outer, a, b, inner) row-major, y is (outer, b, a, inner): y[o, j, i, r] = x[o, i, j, r].
//   The patch embedding turns the convolution's (N, D, P) into tokens (N, P, D) with it (inner 1);
//   its gradient is the same swap with a and b exchanged. One thread per output element,
//   grid-stride; consecutive threads write consecutive floats and, inside a run of `inner`, read
//   consecutive floats too. y must not alias x.
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
