// descriptors.cpp — tensor, filter, convolution and pooling descriptors. Only what our bindings use
// is modelled: packed NCHW FLOAT tensors and filters (other formats and types: NOT_SUPPORTED), 2-D
// convolutions and poolings; sizes and strides are checked as cuDNN documents (BAD_PARAM).
#include "cudnn.h"

using namespace standin::dnn;

namespace {

constexpr int kFormatNchw = 0;
constexpr int kFloat = 0;

} // namespace

STANDIN_API cudnnStatus_t cudnnCreateTensorDescriptor(void** d) { return create<Tensor>(d); }
STANDIN_API cudnnStatus_t cudnnDestroyTensorDescriptor(void* d) { return destroy<Tensor>(d); }
STANDIN_API cudnnStatus_t cudnnCreateFilterDescriptor(void** d) { return create<Filter>(d); }
STANDIN_API cudnnStatus_t cudnnDestroyFilterDescriptor(void* d) { return destroy<Filter>(d); }
STANDIN_API cudnnStatus_t cudnnCreateConvolutionDescriptor(void** d) { return create<Convolution>(d); }
STANDIN_API cudnnStatus_t cudnnDestroyConvolutionDescriptor(void* d) { return destroy<Convolution>(d); }
STANDIN_API cudnnStatus_t cudnnCreatePoolingDescriptor(void** d) { return create<Pooling>(d); }
STANDIN_API cudnnStatus_t cudnnDestroyPoolingDescriptor(void* d) { return destroy<Pooling>(d); }

// Format before data type (the filter call has them the other way round).
STANDIN_API cudnnStatus_t cudnnSetTensor4dDescriptor(void* descriptor, int format, int dataType, int n, int c, int h, int w)
{
    Tensor* t = live<Tensor>(descriptor);
    if (!t || n <= 0 || c <= 0 || h <= 0 || w <= 0 || format < 0 || format > 2 || dataType < 0 || dataType > 21) return CUDNN_STATUS_BAD_PARAM;
    if (format != kFormatNchw || dataType != kFloat) return CUDNN_STATUS_NOT_SUPPORTED;
    *t = Tensor{};
    t->set = true, t->n = n, t->c = c, t->h = h, t->w = w;
    return CUDNN_STATUS_SUCCESS;
}

STANDIN_API cudnnStatus_t cudnnSetFilter4dDescriptor(void* descriptor, int dataType, int format, int k, int c, int h, int w)
{
    Filter* f = live<Filter>(descriptor);
    if (!f || k <= 0 || c <= 0 || h <= 0 || w <= 0 || format < 0 || format > 2 || dataType < 0 || dataType > 21) return CUDNN_STATUS_BAD_PARAM;
    if (format != kFormatNchw || dataType != kFloat) return CUDNN_STATUS_NOT_SUPPORTED;
    f->set = true, f->k = k, f->c = c, f->r = h, f->s = w;
    return CUDNN_STATUS_SUCCESS;
}

// u/v are the vertical/horizontal strides; mode 0 CONVOLUTION, 1 CROSS_CORRELATION.
STANDIN_API cudnnStatus_t cudnnSetConvolution2dDescriptor(void* descriptor, int padH, int padW, int u, int v, int dilationH, int dilationW,
                                                          int mode, int computeType)
{
    Convolution* conv = live<Convolution>(descriptor);
    if (!conv || padH < 0 || padW < 0 || u <= 0 || v <= 0 || dilationH <= 0 || dilationW <= 0 || (mode != 0 && mode != 1))
        return CUDNN_STATUS_BAD_PARAM;
    if (mode != 1 || computeType != kFloat) return CUDNN_STATUS_NOT_SUPPORTED;  // only what our bindings ask for
    conv->set = true, conv->padH = padH, conv->padW = padW, conv->strideH = u, conv->strideW = v;
    conv->dilationH = dilationH, conv->dilationW = dilationW;
    return CUDNN_STATUS_SUCCESS;
}

// cudnnMathType_t: DEFAULT 0, TENSOR_OP 1, TENSOR_OP_ALLOW_CONVERSION 2, FMA 3.
STANDIN_API cudnnStatus_t cudnnSetConvolutionMathType(void* descriptor, int mathType)
{
    Convolution* conv = live<Convolution>(descriptor);
    if (!conv || mathType < 0 || mathType > 3) return CUDNN_STATUS_BAD_PARAM;
    conv->mathType = mathType;
    return CUDNN_STATUS_SUCCESS;
}

STANDIN_API cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(void* convolution, void* input, void* filter, int* n, int* c, int* h, int* w)
{
    Convolution* conv = live<Convolution>(convolution);
    Tensor* x = live<Tensor>(input);
    Filter* f = live<Filter>(filter);
    if (!conv || !x || !f || !conv->set || !x->set || !f->set || !n || !c || !h || !w || x->c != f->c) return CUDNN_STATUS_BAD_PARAM;
    *n = x->n;
    *c = f->k;
    *h = 1 + (x->h + 2 * conv->padH - ((f->r - 1) * conv->dilationH + 1)) / conv->strideH;
    *w = 1 + (x->w + 2 * conv->padW - ((f->s - 1) * conv->dilationW + 1)) / conv->strideW;
    return *h > 0 && *w > 0 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

// cudnnPoolingMode_t: MAX 0, AVERAGE_COUNT_INCLUDE_PADDING 1, AVERAGE_COUNT_EXCLUDE_PADDING 2,
// MAX_DETERMINISTIC 3; cudnnNanPropagation_t 0/1.
STANDIN_API cudnnStatus_t cudnnSetPooling2dDescriptor(void* descriptor, int mode, int nan, int windowH, int windowW, int padH, int padW,
                                                      int strideH, int strideW)
{
    Pooling* p = live<Pooling>(descriptor);
    if (!p || mode < 0 || mode > 3 || (nan != 0 && nan != 1) || windowH <= 0 || windowW <= 0 || padH < 0 || padW < 0 || strideH <= 0 ||
        strideW <= 0)
        return CUDNN_STATUS_BAD_PARAM;
    *p = Pooling{};
    p->set = true, p->mode = mode, p->nan = nan, p->windowH = windowH, p->windowW = windowW;
    p->padH = padH, p->padW = padW, p->strideH = strideH, p->strideW = strideW;
    return CUDNN_STATUS_SUCCESS;
}

// cudnnBatchNormMode_t: PER_ACTIVATION 0 gives 1×C×H×W, SPATIAL 1 / SPATIAL_PERSISTENT 2 give 1×C×1×1.
STANDIN_API cudnnStatus_t cudnnDeriveBNTensorDescriptor(void* derived, void* input, int mode)
{
    Tensor* out = live<Tensor>(derived);
    Tensor* x = live<Tensor>(input);
    if (!out || !x || !x->set || mode < 0 || mode > 2) return CUDNN_STATUS_BAD_PARAM;
    *out = Tensor{};
    out->set = true, out->n = 1, out->c = x->c;
    out->h = mode == 0 ? x->h : 1;
    out->w = mode == 0 ? x->w : 1;
    return CUDNN_STATUS_SUCCESS;
}
