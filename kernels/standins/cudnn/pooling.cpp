// pooling.cpp — 2-D max and average pooling. The output descriptor must have the shape
// 1 + (in + 2·pad − window) / stride per spatial axis (BAD_PARAM otherwise); backward takes y, dy,
// x, dx in that order, y/dy and x/dx each with equal shapes. Max pooling sends the gradient to the
// first maximum of the window; NaN propagates when the descriptor asks for it.
#include "cudnn.h"

#include <cmath>
#include <vector>

using namespace standin::dnn;

namespace {

struct Window {
    int n, c, h, w, oh, ow;
    Pooling p;
    long long x(int plane, int ih, int iw) const { return (static_cast<long long>(plane) * h + ih) * w + iw; }
    long long y(int plane, int oy, int ox) const { return (static_cast<long long>(plane) * oh + oy) * ow + ox; }
    long long xCount() const { return static_cast<long long>(n) * c * h * w; }
    long long yCount() const { return static_cast<long long>(n) * c * oh * ow; }
};

bool same(const Tensor* a, const Tensor* b) { return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w; }

cudnnStatus_t window(void* pooling, void* xDesc, void* yDesc, Window* out)
{
    Pooling* p = live<Pooling>(pooling);
    Tensor* x = live<Tensor>(xDesc);
    Tensor* y = live<Tensor>(yDesc);
    if (!p || !x || !y || !p->set || !x->set || !y->set) return CUDNN_STATUS_BAD_PARAM;
    int oh = 1 + (x->h + 2 * p->padH - p->windowH) / p->strideH;
    int ow = 1 + (x->w + 2 * p->padW - p->windowW) / p->strideW;
    if (oh <= 0 || ow <= 0 || y->n != x->n || y->c != x->c || y->h != oh || y->w != ow) return CUDNN_STATUS_BAD_PARAM;
    *out = Window{x->n, x->c, x->h, x->w, oh, ow, *p};
    return CUDNN_STATUS_SUCCESS;
}

// Calls f(ih, iw) for each input position of the window at (oy, ox); returns how many positions
// the average divides by (with or without the padding, per mode).
template <typename F>
int for_each_in_window(const Window& g, int oy, int ox, F f)
{
    int inside = 0;
    for (int r = 0; r < g.p.windowH; r++)
        for (int s = 0; s < g.p.windowW; s++) {
            int ih = oy * g.p.strideH - g.p.padH + r, iw = ox * g.p.strideW - g.p.padW + s;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
            inside++;
            f(ih, iw);
        }
    return g.p.mode == 2 ? inside : g.p.windowH * g.p.windowW;
}

bool is_max(int mode) { return mode == 0 || mode == 3; }

float blend(double value, float alpha, float beta, float prior) { return beta == 0 ? static_cast<float>(alpha * value) : static_cast<float>(alpha * value + beta * static_cast<double>(prior)); }

} // namespace

STANDIN_API cudnnStatus_t cudnnPoolingForward(void* handle, void* pooling, const void* alpha, void* xDesc, const float* x, const void* beta, void* yDesc, float* y)
{
    Handle* h = live<Handle>(handle);
    Window g;
    if (!h) return CUDNN_STATUS_BAD_PARAM;
    if (cudnnStatus_t status = window(pooling, xDesc, yDesc, &g); status != CUDNN_STATUS_SUCCESS) return status;
    if (!alpha || !beta || !x || !y) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    return submit(h, "cudnnPoolingForward", [=](std::string* why) {
        if (!device_floats(x, g.xCount()) || !device_floats(y, g.yCount()))
            return *why = "a tensor is not inside live device memory for its descriptor's size", CUDA_ERROR_ILLEGAL_ADDRESS;
        for (int plane = 0; plane < g.n * g.c; plane++)
            for (int oy = 0; oy < g.oh; oy++)
                for (int ox = 0; ox < g.ow; ox++) {
                    double sum = 0, best = -INFINITY;
                    bool nan = false;
                    int divisor = for_each_in_window(g, oy, ox, [&](int ih, int iw) {
                        float v = x[g.x(plane, ih, iw)];
                        nan |= std::isnan(v);
                        sum += v;
                        if (v > best) best = v;
                    });
                    double value = is_max(g.p.mode) ? (nan && g.p.nan == 1 ? NAN : best) : sum / divisor;
                    y[g.y(plane, oy, ox)] = blend(value, a, b, y[g.y(plane, oy, ox)]);
                }
        return CUDA_SUCCESS;
    });
}

STANDIN_API cudnnStatus_t cudnnPoolingBackward(void* handle, void* pooling, const void* alpha, void* yDesc, const float* y, void* dyDesc, const float* dy,
                                               void* xDesc, const float* x, const void* beta, void* dxDesc, float* dx)
{
    Handle* h = live<Handle>(handle);
    Window g;
    if (!h) return CUDNN_STATUS_BAD_PARAM;
    if (cudnnStatus_t status = window(pooling, xDesc, yDesc, &g); status != CUDNN_STATUS_SUCCESS) return status;
    Tensor* dyT = live<Tensor>(dyDesc);
    Tensor* dxT = live<Tensor>(dxDesc);
    if (!dyT || !dxT || !same(dyT, live<Tensor>(yDesc)) || !same(dxT, live<Tensor>(xDesc))) return CUDNN_STATUS_BAD_PARAM;
    if (!alpha || !beta || !y || !dy || !x || !dx) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    // cuDNN's documentation says where an output may alias an input (in-place activation, for
    // one); it says so nowhere for pooling backward, whose max mode reads x while writing dx.
    if (dx == x || dx == y || dx == dy) return CUDNN_STATUS_BAD_PARAM;
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    return submit(h, "cudnnPoolingBackward", [=](std::string* why) {
        if (!device_floats(x, g.xCount()) || !device_floats(dx, g.xCount()) || !device_floats(y, g.yCount()) || !device_floats(dy, g.yCount()))
            return *why = "a tensor is not inside live device memory for its descriptor's size", CUDA_ERROR_ILLEGAL_ADDRESS;
        std::vector<double> sums(static_cast<size_t>(g.xCount()));
        for (int plane = 0; plane < g.n * g.c; plane++)
            for (int oy = 0; oy < g.oh; oy++)
                for (int ox = 0; ox < g.ow; ox++) {
                    double grad = dy[g.y(plane, oy, ox)];
                    if (is_max(g.p.mode)) {
                        long long at = -1;
                        float best = -INFINITY;
                        for_each_in_window(g, oy, ox, [&](int ih, int iw) {
                            float v = x[g.x(plane, ih, iw)];
                            if (at < 0 || v > best) best = v, at = g.x(plane, ih, iw);
                        });
                        if (at >= 0) sums[at] += grad;
                    } else {
                        std::vector<long long> taps;
                        int divisor = for_each_in_window(g, oy, ox, [&](int ih, int iw) { taps.push_back(g.x(plane, ih, iw)); });
                        for (long long t : taps) sums[t] += grad / divisor;
                    }
                }
        for (long long i = 0; i < g.xCount(); i++) dx[i] = blend(sums[i], a, b, dx[i]);
        return CUDA_SUCCESS;
    });
}
