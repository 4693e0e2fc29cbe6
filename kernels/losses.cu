// losses.cu — the fused losses of the AutoLoRa step: softmax cross-entropy and TRADES's KL,
// each one pass over the logits per row with warp reductions (one warp per row, grid-stride
// over rows).
// The per-row losses go to a rows-long scratch buffer and mean_rows_f32 (one block) folds them,
// so the result is deterministic and nothing is read back to the host.
//
// softmax_ce_forward_f32(z, labels, probs, rowLoss, error, rows, classes)
//   probs = softmax(z); rowLoss[r] = logsumexp(z_r) − z_r[label]. A label outside [0, classes)
//   sets *error = 1 (the backend reports it at the next synchronisation) and gives rowLoss NaN.
// softmax_ce_backward_f32(probs, labels, dloss, dz, n, classes, invRows)
//   dz = (probs − onehot(label)) · dloss[0] · invRows; elementwise over n = rows·classes.
// kl_forward_f32(zt, zi, logP, logQ, rowKl, rows, classes)
//   logP = log_softmax(zt), logQ = log_softmax(zi), rowKl[r] = Σ p (logP − logQ).
// kl_backward_f32(logP, logQ, dloss, dTarget, dInput, rows, classes, invRows)
//   s = dloss[0]·invRows; klRow = Σ p (logP − logQ); dInput = (q − p)·s;
//   dTarget = p·(logP − logQ − klRow)·s. dTarget or dInput may be null.
//   The second pass over logP, logQ hits L1.
// mean_rows_f32(values, out, rows, scale)   out[0] = scale · Σ values. One block (any size ≤ 1024,
//   a multiple of 32), shared memory for one partial per warp.
//
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// log Σ exp over a row held by one warp (every lane gets it).
static __device__ __forceinline__ float autolora_row_logsumexp(const float* z, int cols, unsigned lane)
{
    float m = -__builtin_huge_valf();
    for (int j = lane; j < cols; j += 32) m = z[j] > m ? z[j] : m;
    m = autolora_warp_max(m);
    float s = 0.0f;
    for (int j = lane; j < cols; j += 32) s += autolora_exp(z[j] - m);
    return m + autolora_log(autolora_warp_sum(s));
}

// @traffic 4 + 4: logits read, probabilities written; labels and row losses left out
// @launch warps(rows)
extern "C" __global__ void softmax_ce_forward_f32(const float* __restrict__ z, const int* __restrict__ labels,
                                                  float* __restrict__ probs, float* __restrict__ rowLoss,
                                                  int* error, int rows, int classes)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        const float* zr = z + r * classes;
        float lse = autolora_row_logsumexp(zr, classes, lane);
        for (int j = lane; j < classes; j += 32) probs[r * classes + j] = autolora_exp(zr[j] - lse);
        if (lane == 0) {
            int label = labels[r];
            bool ok = label >= 0 && label < classes;
            if (!ok) *error = 1;
            rowLoss[r] = ok ? lse - zr[label] : __builtin_nanf("");
        }
    }
}
AUTOLORA_HOST_ENTRY(softmax_ce_forward_f32)

// @traffic 4 + 4: probabilities read, dz written; labels left out
// @launch threads(n)
extern "C" __global__ void softmax_ce_backward_f32(const float* __restrict__ probs, const int* __restrict__ labels,
                                                   const float* __restrict__ dloss, float* __restrict__ dz,
                                                   int n, int classes, float invRows)
{
    float scale = dloss[0] * invRows;
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        int j = static_cast<int>(i % classes);
        float g = probs[i] * scale;
        dz[i] = labels[i / classes] == j ? g - scale : g;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(softmax_ce_backward_f32)

// @traffic 8 + 8: both logits read, logP and logQ written; row values left out
// @launch warps(rows)
extern "C" __global__ void kl_forward_f32(const float* __restrict__ zt, const float* __restrict__ zi,
                                          float* __restrict__ logP, float* __restrict__ logQ,
                                          float* __restrict__ rowKl, int rows, int classes)
{
    AUTOLORA_WARP_ROWS(r, rows)
    {
        long long o = r * classes;
        float lseT = autolora_row_logsumexp(zt + o, classes, lane);
        float lseI = autolora_row_logsumexp(zi + o, classes, lane);
        float kl = 0.0f;
        for (int j = lane; j < classes; j += 32) {
            float lp = zt[o + j] - lseT;
            float lq = zi[o + j] - lseI;
            logP[o + j] = lp;
            logQ[o + j] = lq;
            kl += autolora_exp(lp) * (lp - lq);
        }
        kl = autolora_warp_sum(kl);
        if (lane == 0) rowKl[r] = kl;
    }
}
AUTOLORA_HOST_ENTRY(kl_forward_f32)

// @traffic 8 + 8: logP and logQ read, both gradients written
// @launch warps(rows)
extern "C" __global__ void kl_backward_f32(const float* __restrict__ logP, const float* __restrict__ logQ,
                                           const float* __restrict__ dloss, float* __restrict__ dTarget,
                                           float* __restrict__ dInput, int rows, int classes, float invRows)
{
    float scale = dloss[0] * invRows;
    AUTOLORA_WARP_ROWS(r, rows)
    {
        long long o = r * classes;
        float kl = 0.0f;
        for (int j = lane; j < classes; j += 32) kl += autolora_exp(logP[o + j]) * (logP[o + j] - logQ[o + j]);
        kl = autolora_warp_sum(kl);
        for (int j = lane; j < classes; j += 32) {
            float lp = logP[o + j];
            float lq = logQ[o + j];
            float p = autolora_exp(lp);
            if (dInput) dInput[o + j] = (autolora_exp(lq) - p) * scale;
            if (dTarget) dTarget[o + j] = p * (lp - lq - kl) * scale;
        }
    }
}
AUTOLORA_HOST_ENTRY(kl_backward_f32)

// @traffic 4 + 4: rows read, one value written
// @launch caller
extern "C" __global__ void mean_rows_f32(const float* __restrict__ values, float* __restrict__ out, int rows, float scale)
{
    AUTOLORA_STATIC_SHARED(float, warpSums, [32]);
    unsigned tid = threadIdx.x;
    float acc = 0.0f;
    for (int i = tid; i < rows; i += blockDim.x) acc += values[i];
    acc = autolora_warp_sum(acc);
    if ((tid & 31u) == 0) warpSums[tid / 32] = acc;
    __syncthreads();
    if (tid < 32) {
        float v = tid < blockDim.x / 32 ? warpSums[tid] : 0.0f;
        v = autolora_warp_sum(v);
        if (tid == 0) out[0] = v * scale;
    }
}
AUTOLORA_HOST_ENTRY(mean_rows_f32)
