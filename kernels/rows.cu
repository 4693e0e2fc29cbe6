// rows.cu — row-wise ops on a (rows, cols) row-major matrix (logits: cols = classes).
//
// One warp per row (grid-stride over rows), lanes stride over the
// columns, so loads are coalesced and the row reductions are warp shuffles with no shared memory
// and no barrier.
//
// log_softmax_f32(x, y, rows, cols)            y = x − max − log Σ exp(x − max)
//   3 passes over the row; the second and third are L1 hits.
// log_softmax_backward_f32(y, dy, dx, rows, cols)  dx = dy − exp(y)·Σ dy
//   reads y, dy (dy twice, the second time from L1), writes dx.
// argmax_rows_f32(x, indices, rows, cols)      indices[r] = first index of the row maximum
//   One thread per row (cols is a class count, small).
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// @traffic 4 + 4
// @launch warps(rows)
// @implements LogSoftmaxCore(rows, cols, x, y)
// @declares rows(rows, cols): Row-wise log-softmax of a (rows, cols) matrix.
extern "C" __global__ void log_softmax_f32(const float* __restrict__ x, float* __restrict__ y, int rows, int cols)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        const float* xr = x + r * cols;
        float m = -__builtin_huge_valf();
        for (int j = lane; j < cols; j += 32) m = xr[j] > m ? xr[j] : m;
        m = autolora_warp_max(m);
        float s = 0.0f;
        for (int j = lane; j < cols; j += 32) s += autolora_exp(xr[j] - m);
        float logSum = m + autolora_log(autolora_warp_sum(s));
        for (int j = lane; j < cols; j += 32) y[r * cols + j] = xr[j] - logSum;
    }
}
AUTOLORA_HOST_ENTRY(log_softmax_f32)

// @traffic 8 + 4
// @launch warps(rows)
// @implements LogSoftmaxBackwardCore(rows, cols, y, dy, dx)
// @declares rows(rows, cols): dx = dy − softmax · rowsum(dy), given the forward output y = log-softmax.
extern "C" __global__ void log_softmax_backward_f32(const float* __restrict__ y, const float* __restrict__ dy,
                                                    float* __restrict__ dx, int rows, int cols)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        long long o = r * cols;
        float s = 0.0f;
        for (int j = lane; j < cols; j += 32) s += dy[o + j];
        s = autolora_warp_sum(s);
        for (int j = lane; j < cols; j += 32) dx[o + j] = dy[o + j] - autolora_exp(y[o + j]) * s;
    }
}
AUTOLORA_HOST_ENTRY(log_softmax_backward_f32)

// @traffic 4 + 4: rows·cols read, one index written per row
// @launch threads(rows)
// @implements ArgMaxRowsCore(rows, cols, x, indices)
extern "C" __global__ void argmax_rows_f32(const float* __restrict__ x, int* __restrict__ indices, int rows, int cols)
{
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long r = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += stride) {
        const float* xr = x + r * cols;
        int best = 0;
        float m = xr[0];
        for (int j = 1; j < cols && m == m; j++) {
            float v = xr[j];
            if (v > m || v != v) { m = v; best = j; } // a NaN wins, as in TensorPrimitives.IndexOfMax
        }
        indices[r] = best;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(argmax_rows_f32)
