// attention.cu — multi-head self-attention forward, fused: scores, scale, softmax and the product
// with V in one kernel, read in place from the qkv projection (no head is copied out), for short
// sequences (T ≤ AUTOLORA_ATTENTION_MAX_T, a ViT's 65 tokens on 32×32 images or 197 at 224).
//
// attention_forward_f32(qkv, o, n, t, heads, headDim, scale)
//   qkv is (n, t, 3·D), D = heads·headDim, timm's layout: each token's q, k and v blocks in that
//   order, each block the heads side by side, so head h's q of token i of sample b is the headDim
//   floats at ((b·t + i)·3 + 0)·D + h·headDim (k: + D, v: + 2·D). o is (n, t, D), head h in columns
//   h·headDim …: the heads already merged as the output projection takes them. Per query row i:
//     s_j = scale·q_i·k_j,  p_j = exp(s_j − max_j s) / Σ_j exp(s_j − max_j s),  o_i = Σ_j p_j·v_j,
//   The CPU backend (CpuBackend.Attention.cs) scales P by the reciprocal before the product; here
//   the unnormalised sum is scaled at the end, one multiply per output instead of one per p_j: the
//   same value up to rounding. o must not overlap qkv.
//
// Launch: blocks(n·heads·(t + 7)/8), at least the n·heads·⌈t/8⌉ items (a spare block finds no
// item and reaches no barrier), 256 threads = 8 warps. A block takes one (sample, head) and a tile
// of 8 query rows, one warp per row; the tile's K and V rows are shared by its warps through L1.
// Each warp writes its row's probabilities to its own row of static shared memory (8 ×
// AUTOLORA_ATTENTION_MAX_T floats = 8 KiB) and then reads them back lane-crossing, so the block
// synchronises between the two; every warp of the block reaches both barriers, rows past t included
// (they compute nothing). Scores: lane j takes keys j, j + 32, …; the output: lane c takes head
// columns c, c + 32, … (a warp reads a V row's 32 consecutive floats at a time, coalesced).
// Longer sequences take the backend's composition of GEMMs and softmax instead.
//
// Traffic and launch shape: the // @traffic and // @launch lines above the kernel (kernels/README.md).
#include "autolora_cuda.cuh"

#define AUTOLORA_ATTENTION_MAX_T 256
#define AUTOLORA_ATTENTION_ROWS_PER_BLOCK 8

// @traffic 12 + 4: q, k, v read once per output element (K and V re-read from cache by every query row left out); o written
// @launch blocks(n * heads * (t + 7) / 8)
extern "C" __global__ void attention_forward_f32(const float* __restrict__ qkv, float* __restrict__ o, int n, int t,
                                                 int heads, int headDim, float scale)
{
    AUTOLORA_STATIC_SHARED(float, probs, [AUTOLORA_ATTENTION_ROWS_PER_BLOCK][AUTOLORA_ATTENTION_MAX_T]);
    unsigned lane = threadIdx.x & 31u, warp = threadIdx.x / 32;
    long long width = static_cast<long long>(heads) * headDim, ld = 3 * width;
    long long tiles = (t + AUTOLORA_ATTENTION_ROWS_PER_BLOCK - 1) / AUTOLORA_ATTENTION_ROWS_PER_BLOCK;
    long long items = static_cast<long long>(n) * heads * tiles;
    for (long long item = blockIdx.x; item < items; item += gridDim.x) {
        long long sampleHead = item / tiles;
        long long sample = sampleHead / heads, head = sampleHead % heads;
        long long i = (item % tiles) * AUTOLORA_ATTENTION_ROWS_PER_BLOCK + warp;
        // A warp past the last row runs the same code over empty ranges instead of branching
        // around it: no barrier sits under a branch (which a compiler may duplicate per branch),
        // and the warp reductions are reached by all 32 lanes of every warp.
        bool live = warp < AUTOLORA_ATTENTION_ROWS_PER_BLOCK && i < t;
        int keys = live ? t : 0, columns = live ? headDim : 0;
        long long at = live ? i : 0;
        const float* head0 = qkv + sample * t * ld + head * headDim;
        const float* q = head0 + at * ld;
        float* row = probs[warp < AUTOLORA_ATTENTION_ROWS_PER_BLOCK ? warp : 0];
        float best = -3.402823466e38f;
        for (int j = lane; j < keys; j += 32) {
            const float* k = head0 + j * ld + width;
            float dot = 0.0f;
            for (int c = 0; c < headDim; c++) dot += q[c] * k[c];
            float s = scale * dot;
            row[j] = s;
            best = s > best ? s : best;
        }
        best = autolora_warp_max(best);
        float inv = 1.0f / autolora_warp_exp_sum(row, row, keys, lane, best); // ∞ for a dead warp, which writes nothing
        __syncthreads(); // each lane reads the probabilities every lane of its warp wrote
        float* out = o + (sample * t + at) * width + head * headDim;
        for (int c = lane; c < columns; c += 32) {
            const float* v = head0 + 2 * width + c;
            float acc = 0.0f;
            for (int j = 0; j < keys; j++) acc += row[j] * v[j * ld];
            out[c] = acc * inv;
        }
        __syncthreads(); // the next item overwrites the probabilities
    }
}
AUTOLORA_HOST_ENTRY(attention_forward_f32)
