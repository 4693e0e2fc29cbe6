// convolution.cpp — the convolution calls: heuristics (_v7), Find, workspace sizes, and the three
// passes. Each pass checks its descriptors against each other, the algorithm against the
// geometry, and the workspace given against the algorithm's need, then runs a direct loop nest
// later on the handle's stream (double accumulation; TF32-rounded inputs unless the math type is
// FMA on sm_80+). With beta = 0 the output is not read.
#include "convolution.h"

#include <memory>

namespace standin::dnn {

cudnnStatus_t geometry(void* x, void* filter, void* convolution, void* y, Geometry* out)
{
    Tensor* tx = live<Tensor>(x);
    Tensor* ty = live<Tensor>(y);
    Filter* f = live<Filter>(filter);
    Convolution* conv = live<Convolution>(convolution);
    if (!tx || !ty || !f || !conv || !tx->set || !ty->set || !f->set || !conv->set) return CUDNN_STATUS_BAD_PARAM;
    Geometry g{tx->n, tx->c, tx->h, tx->w, f->k, f->r, f->s, 0, 0, conv};
    g.oh = 1 + (g.h + 2 * conv->padH - ((g.r - 1) * conv->dilationH + 1)) / conv->strideH;
    g.ow = 1 + (g.w + 2 * conv->padW - ((g.s - 1) * conv->dilationW + 1)) / conv->strideW;
    if (f->c != tx->c || g.oh <= 0 || g.ow <= 0 || ty->n != g.n || ty->c != g.k || ty->h != g.oh || ty->w != g.ow) return CUDNN_STATUS_BAD_PARAM;
    *out = g;
    return CUDNN_STATUS_SUCCESS;
}

} // namespace standin::dnn

using namespace standin::dnn;

namespace {

// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t: one layout for all three (cuda-interop-facts §5.4).
struct AlgoPerf {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};
static_assert(sizeof(AlgoPerf) == 48, "cudnnConvolution*AlgoPerf_t is 48 bytes");

// `measure`: the Find calls run each algorithm, so one whose workspace cannot be allocated
// reports ALLOC_FAILED; the heuristics only describe.
cudnnStatus_t list(Pass pass, void* handle, void* x, void* filter, void* conv, void* y, int requested, int* returned, void* results, bool measure)
{
    if (!live<Handle>(handle)) return CUDNN_STATUS_BAD_PARAM;
    if (!returned || !results) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    if (requested < 1) return CUDNN_STATUS_BAD_PARAM;
    Geometry g;
    if (cudnnStatus_t status = geometry(x, filter, conv, y, &g); status != CUDNN_STATUS_SUCCESS) return status;
    auto* perf = static_cast<AlgoPerf*>(results);
    std::vector<Algorithm> all = algorithms(pass, g);
    size_t free = 0, total = 0;
    cuMemGetInfo_v2(&free, &total);
    int count = 0;
    for (const Algorithm& a : all) {
        if (count == requested) break;
        cudnnStatus_t status = a.status;
        if (measure && status == CUDNN_STATUS_SUCCESS && a.workspace > free) status = 4003;  // CUDNN_STATUS_ALLOC_FAILED
        float milliseconds = status == CUDNN_STATUS_SUCCESS ? 1.0f + static_cast<float>(count) : -1.0f;  // ranked: earlier is faster
        perf[count++] = AlgoPerf{a.algo, status, milliseconds, a.workspace, a.deterministic ? 1 : 0, g.conv->mathType, {0, 0, 0}};
    }
    *returned = count;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t workspace_size(Pass pass, void* handle, void* x, void* filter, void* conv, void* y, int algo, size_t* bytes)
{
    if (!live<Handle>(handle)) return CUDNN_STATUS_BAD_PARAM;
    if (!bytes) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    Geometry g;
    if (cudnnStatus_t status = geometry(x, filter, conv, y, &g); status != CUDNN_STATUS_SUCCESS) return status;
    Algorithm a;
    if (cudnnStatus_t status = find_algorithm(pass, g, algo, &a); status != CUDNN_STATUS_SUCCESS) return status;
    if (a.status != CUDNN_STATUS_SUCCESS) return a.status;
    *bytes = a.workspace;
    return CUDNN_STATUS_SUCCESS;
}

// The shared prologue of the three passes: descriptors, algorithm, workspace, scaling factors.
struct Call {
    Handle* handle;
    Geometry g;
    float alpha, beta;
    bool tf32;
};

cudnnStatus_t prepare(Pass pass, void* handle, void* x, void* filter, void* conv, void* y, int algo, const void* workspace, size_t workspaceBytes,
                      const void* alpha, const void* beta, Call* call)
{
    call->handle = live<Handle>(handle);
    if (!call->handle) return CUDNN_STATUS_BAD_PARAM;
    if (!alpha || !beta) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    if (cudnnStatus_t status = geometry(x, filter, conv, y, &call->g); status != CUDNN_STATUS_SUCCESS) return status;
    Algorithm a;
    if (cudnnStatus_t status = find_algorithm(pass, call->g, algo, &a); status != CUDNN_STATUS_SUCCESS) return status;
    if (a.status != CUDNN_STATUS_SUCCESS) return a.status;
    // A workspace smaller than the algorithm needs is an invalid argument (BAD_PARAM is cuDNN 9's
    // category for those), as is a NULL workspace with a nonzero size.
    if (workspaceBytes < a.workspace || (!workspace && workspaceBytes > 0)) return CUDNN_STATUS_BAD_PARAM;
    call->alpha = *static_cast<const float*>(alpha);  // float scaling for FLOAT data
    call->beta = *static_cast<const float*>(beta);
    call->tf32 = rounds_to_tf32(call->g.conv->mathType);
    return CUDNN_STATUS_SUCCESS;
}

float in(const float* data, long long index, bool tf32) { return tf32 ? standin::round_to_tf32(data[index]) : data[index]; }

void store(float* out, const std::vector<double>& sums, float alpha, float beta)
{
    for (size_t i = 0; i < sums.size(); i++)
        out[i] = beta == 0 ? static_cast<float>(alpha * sums[i]) : static_cast<float>(alpha * sums[i] + static_cast<double>(beta) * out[i]);
}

// Calls f(nIndex, c, ih, iw, k, r, s, oh, ow) for every tap that lands inside the input.
template <typename F>
void for_each_tap(const Geometry& g, F f)
{
    const Convolution& cv = *g.conv;
    for (int n = 0; n < g.n; n++)
        for (int k = 0; k < g.k; k++)
            for (int oh = 0; oh < g.oh; oh++)
                for (int ow = 0; ow < g.ow; ow++)
                    for (int c = 0; c < g.c; c++)
                        for (int r = 0; r < g.r; r++) {
                            int ih = oh * cv.strideH - cv.padH + r * cv.dilationH;
                            if (ih < 0 || ih >= g.h) continue;
                            for (int s = 0; s < g.s; s++) {
                                int iw = ow * cv.strideW - cv.padW + s * cv.dilationW;
                                if (iw >= 0 && iw < g.w) f(n, c, ih, iw, k, r, s, oh, ow);
                            }
                        }
}

long long xi(const Geometry& g, int n, int c, int h, int w) { return ((static_cast<long long>(n) * g.c + c) * g.h + h) * g.w + w; }
long long wi(const Geometry& g, int k, int c, int r, int s) { return ((static_cast<long long>(k) * g.c + c) * g.r + r) * g.s + s; }
long long yi(const Geometry& g, int n, int k, int h, int w) { return ((static_cast<long long>(n) * g.k + k) * g.oh + h) * g.ow + w; }

long long x_count(const Geometry& g) { return static_cast<long long>(g.n) * g.c * g.h * g.w; }
long long w_count(const Geometry& g) { return static_cast<long long>(g.k) * g.c * g.r * g.s; }
long long y_count(const Geometry& g) { return static_cast<long long>(g.n) * g.k * g.oh * g.ow; }

bool ranges_ok(const void* workspace, size_t workspaceBytes, std::initializer_list<std::pair<const float*, long long>> arrays, std::string* why)
{
    for (const auto& [pointer, count] : arrays) {
        if (!device_floats(pointer, count)) return *why = "a tensor is not inside live device memory for its descriptor's size", false;
    }
    if (workspaceBytes > 0 && !device_floats(workspace, static_cast<long long>(workspaceBytes / sizeof(float))))
        return *why = "the workspace is not inside live device memory for its size", false;
    return true;
}


// Runs one pass later on the stream: checks the two inputs, the output and the workspace against
// live device memory, adds tap(sums, n, c, ih, iw, k, r, s, oh, ow) over every tap into one sum per
// output element, then blends the sums into the output.
template <typename Tap>
cudnnStatus_t run_pass(const Call& c, const char* name, const void* workspace, size_t workspaceBytes, std::pair<const float*, long long> a,
                       std::pair<const float*, long long> b, float* out, long long outCount, Tap tap)
{
    return submit(c.handle, name, [=](std::string* why) {
        if (!ranges_ok(workspace, workspaceBytes, {a, b, {out, outCount}}, why)) return CUDA_ERROR_ILLEGAL_ADDRESS;
        std::vector<double> sums(static_cast<size_t>(outCount));
        for_each_tap(c.g, [&](int n, int ch, int ih, int iw, int k, int r, int s, int oh, int ow) { tap(sums, n, ch, ih, iw, k, r, s, oh, ow); });
        store(out, sums, c.alpha, c.beta);
        return CUDA_SUCCESS;
    });
}

} // namespace

STANDIN_API cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(void* h, void* x, void* w, void* conv, void* y, int requested, int* returned, void* perf)
{
    return list(Pass::Forward, h, x, w, conv, y, requested, returned, perf, false);
}

STANDIN_API cudnnStatus_t cudnnFindConvolutionForwardAlgorithm(void* h, void* x, void* w, void* conv, void* y, int requested, int* returned, void* perf)
{
    return list(Pass::Forward, h, x, w, conv, y, requested, returned, perf, true);
}

// The backward-data calls name the filter first, then dy, then dx.
STANDIN_API cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(void* h, void* w, void* dy, void* conv, void* dx, int requested, int* returned, void* perf)
{
    return list(Pass::BackwardData, h, dx, w, conv, dy, requested, returned, perf, false);
}

STANDIN_API cudnnStatus_t cudnnFindConvolutionBackwardDataAlgorithm(void* h, void* w, void* dy, void* conv, void* dx, int requested, int* returned, void* perf)
{
    return list(Pass::BackwardData, h, dx, w, conv, dy, requested, returned, perf, true);
}

STANDIN_API cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(void* h, void* x, void* dy, void* conv, void* dw, int requested, int* returned, void* perf)
{
    return list(Pass::BackwardFilter, h, x, dw, conv, dy, requested, returned, perf, false);
}

STANDIN_API cudnnStatus_t cudnnFindConvolutionBackwardFilterAlgorithm(void* h, void* x, void* dy, void* conv, void* dw, int requested, int* returned, void* perf)
{
    return list(Pass::BackwardFilter, h, x, dw, conv, dy, requested, returned, perf, true);
}

STANDIN_API cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(void* h, void* x, void* w, void* conv, void* y, int algo, size_t* bytes)
{
    return workspace_size(Pass::Forward, h, x, w, conv, y, algo, bytes);
}

STANDIN_API cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(void* h, void* w, void* dy, void* conv, void* dx, int algo, size_t* bytes)
{
    return workspace_size(Pass::BackwardData, h, dx, w, conv, dy, algo, bytes);
}

STANDIN_API cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(void* h, void* x, void* dy, void* conv, void* dw, int algo, size_t* bytes)
{
    return workspace_size(Pass::BackwardFilter, h, x, dw, conv, dy, algo, bytes);
}

STANDIN_API cudnnStatus_t cudnnConvolutionForward(void* h, const void* alpha, void* xDesc, const float* x, void* wDesc, const float* w, void* conv,
                                                  int algo, void* workspace, size_t workspaceBytes, const void* beta, void* yDesc, float* y)
{
    Call c;
    if (cudnnStatus_t s = prepare(Pass::Forward, h, xDesc, wDesc, conv, yDesc, algo, workspace, workspaceBytes, alpha, beta, &c); s != CUDNN_STATUS_SUCCESS)
        return s;
    const Geometry& g = c.g;
    return run_pass(c, "cudnnConvolutionForward", workspace, workspaceBytes, {x, x_count(g)}, {w, w_count(g)}, y, y_count(g),
                    [=](std::vector<double>& sums, int n, int ch, int ih, int iw, int k, int r, int s, int oh, int ow) {
                        sums[yi(g, n, k, oh, ow)] += static_cast<double>(in(x, xi(g, n, ch, ih, iw), c.tf32)) * in(w, wi(g, k, ch, r, s), c.tf32);
                    });
}

STANDIN_API cudnnStatus_t cudnnConvolutionBackwardData(void* h, const void* alpha, void* wDesc, const float* w, void* dyDesc, const float* dy, void* conv,
                                                       int algo, void* workspace, size_t workspaceBytes, const void* beta, void* dxDesc, float* dx)
{
    Call c;
    if (cudnnStatus_t s = prepare(Pass::BackwardData, h, dxDesc, wDesc, conv, dyDesc, algo, workspace, workspaceBytes, alpha, beta, &c);
        s != CUDNN_STATUS_SUCCESS)
        return s;
    const Geometry& g = c.g;
    return run_pass(c, "cudnnConvolutionBackwardData", workspace, workspaceBytes, {w, w_count(g)}, {dy, y_count(g)}, dx, x_count(g),
                    [=](std::vector<double>& sums, int n, int ch, int ih, int iw, int k, int r, int s, int oh, int ow) {
                        sums[xi(g, n, ch, ih, iw)] += static_cast<double>(in(dy, yi(g, n, k, oh, ow), c.tf32)) * in(w, wi(g, k, ch, r, s), c.tf32);
                    });
}

STANDIN_API cudnnStatus_t cudnnConvolutionBackwardFilter(void* h, const void* alpha, void* xDesc, const float* x, void* dyDesc, const float* dy, void* conv,
                                                         int algo, void* workspace, size_t workspaceBytes, const void* beta, void* dwDesc, float* dw)
{
    Call c;
    if (cudnnStatus_t s = prepare(Pass::BackwardFilter, h, xDesc, dwDesc, conv, dyDesc, algo, workspace, workspaceBytes, alpha, beta, &c);
        s != CUDNN_STATUS_SUCCESS)
        return s;
    const Geometry& g = c.g;
    return run_pass(c, "cudnnConvolutionBackwardFilter", workspace, workspaceBytes, {x, x_count(g)}, {dy, y_count(g)}, dw, w_count(g),
                    [=](std::vector<double>& sums, int n, int ch, int ih, int iw, int k, int r, int s, int oh, int ow) {
                        sums[wi(g, k, ch, r, s)] += static_cast<double>(in(x, xi(g, n, ch, ih, iw), c.tf32)) * in(dy, yi(g, n, k, oh, ow), c.tf32);
                    });
}
