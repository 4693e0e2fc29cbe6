// algorithms.cpp — the convolution algorithms the stand-in offers, with different workspace needs so
// that a caller's selection logic is exercised: the heuristic lists first an FFT algorithm whose
// workspace exceeds the device's memory (real FFT workspaces can reach gigabytes), then
// GEMM-style ones with moderate workspaces, and last a zero-workspace one. All compute the same
// result here; the determinism flags follow NVIDIA's notes (the ALGO_0 backward passes and
// backward-filter ALGO_3 accumulate with atomics).
#include "convolution.h"

namespace standin::dnn {
namespace {

size_t device_memory()
{
    size_t free = 0, total = 0;
    if (cuMemGetInfo_v2(&free, &total) != CUDA_SUCCESS) return size_t(1) << 34;
    return total;
}

bool winograd_shape(const Geometry& g)
{
    const Convolution& c = *g.conv;
    return g.r == 3 && g.s == 3 && c.strideH == 1 && c.strideW == 1 && c.dilationH == 1 && c.dilationW == 1;
}

} // namespace

std::vector<Algorithm> algorithms(Pass pass, const Geometry& g)
{
    size_t huge = device_memory() * 2;
    size_t columns = sizeof(float) * static_cast<size_t>(g.c) * g.r * g.s * g.oh * g.ow;  // one image's im2col matrix
    size_t indices = sizeof(int) * static_cast<size_t>(g.oh) * g.ow * g.r * g.s;
    cudnnStatus_t winograd = winograd_shape(g) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_SUPPORTED;
    switch (pass) {
    case Pass::Forward:  // cudnnConvolutionFwdAlgo_t: IMPLICIT_GEMM 0, IMPLICIT_PRECOMP_GEMM 1, GEMM 2, FFT 4, WINOGRAD_NONFUSED 7
        return {{4, CUDNN_STATUS_SUCCESS, huge, true},
                {7, winograd, winograd ? 0 : columns / 2, true},
                {1, CUDNN_STATUS_SUCCESS, indices, true},
                {2, CUDNN_STATUS_SUCCESS, columns, true},
                {0, CUDNN_STATUS_SUCCESS, 0, true}};
    case Pass::BackwardData:  // cudnnConvolutionBwdDataAlgo_t: ALGO_0 0, ALGO_1 1, FFT 2, WINOGRAD_NONFUSED 5
        return {{2, CUDNN_STATUS_SUCCESS, huge, true},
                {5, winograd, winograd ? 0 : columns / 2, true},
                {1, CUDNN_STATUS_SUCCESS, columns, true},
                {0, CUDNN_STATUS_SUCCESS, 0, false}};
    case Pass::BackwardFilter:  // cudnnConvolutionBwdFilterAlgo_t: ALGO_0 0, ALGO_1 1, FFT 2, ALGO_3 3
    default:
        return {{2, CUDNN_STATUS_SUCCESS, huge, true},
                {1, CUDNN_STATUS_SUCCESS, columns, true},
                {3, CUDNN_STATUS_SUCCESS, indices, false},
                {0, CUDNN_STATUS_SUCCESS, 0, false}};
    }
}

cudnnStatus_t find_algorithm(Pass pass, const Geometry& g, int algo, Algorithm* out)
{
    int count = pass == Pass::Forward ? 8 : pass == Pass::BackwardData ? 6 : 7;  // the enums' COUNT values
    if (algo < 0 || algo >= count) return CUDNN_STATUS_BAD_PARAM;
    for (const Algorithm& a : algorithms(pass, g)) {
        if (a.algo == algo) {
            *out = a;
            return CUDNN_STATUS_SUCCESS;
        }
    }
    *out = Algorithm{algo, CUDNN_STATUS_NOT_SUPPORTED, 0, true};  // a valid value the stand-in does not offer
    return CUDNN_STATUS_SUCCESS;
}

} // namespace standin::dnn
