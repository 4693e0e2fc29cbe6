// batchnorm.cpp — batch normalisation, SPATIAL (and SPATIAL_PERSISTENT, computed the same) mode:
// statistics per channel over N·H·W. PER_ACTIVATION is not modelled (NOT_SUPPORTED). The checks:
// x and y descriptors equal, the parameter descriptor 1×C×1×1 (as cudnnDeriveBNTensorDescriptor
// gives), epsilon ≥ CUDNN_BN_MIN_EPSILON (0), the optional pairs (running mean/variance, saved
// mean/inverse variance) both given or both NULL. The running variance is updated with the
// unbiased variance, as cuDNN documents; the normalisation uses the biased one.
#include "cudnn.h"

#include <cmath>
#include <vector>

using namespace standin::dnn;

namespace {

struct Shape {
    int n, c, h, w;
    long long plane() const { return static_cast<long long>(h) * w; }
    long long at(int in, int ic, long long p) const { return (static_cast<long long>(in) * c + ic) * plane() + p; }
    long long count() const { return static_cast<long long>(n) * c * plane(); }
};

cudnnStatus_t shapes(void* handle, int mode, void* xDesc, void* yDesc, void* paramDesc, double epsilon, Handle** h, Shape* out)
{
    *h = live<Handle>(handle);
    Tensor* x = live<Tensor>(xDesc);
    Tensor* y = live<Tensor>(yDesc);
    Tensor* p = live<Tensor>(paramDesc);
    if (!*h || !x || !y || !p || !x->set || !y->set || !p->set || mode < 0 || mode > 2 || !(epsilon >= 0)) return CUDNN_STATUS_BAD_PARAM;
    if (x->n != y->n || x->c != y->c || x->h != y->h || x->w != y->w) return CUDNN_STATUS_BAD_PARAM;
    if (mode == 0) return CUDNN_STATUS_NOT_SUPPORTED;
    if (p->n != 1 || p->c != x->c || p->h != 1 || p->w != 1) return CUDNN_STATUS_BAD_PARAM;
    *out = Shape{x->n, x->c, x->h, x->w};
    return CUDNN_STATUS_SUCCESS;
}

float blend(double value, float alpha, float beta, float prior) { return beta == 0 ? static_cast<float>(alpha * value) : static_cast<float>(alpha * value + beta * static_cast<double>(prior)); }

float scalar(const void* p) { return *static_cast<const float*>(p); }

} // namespace

STANDIN_API cudnnStatus_t cudnnBatchNormalizationForwardTraining(void* handle, int mode, const void* alpha, const void* beta, void* xDesc, const float* x,
                                                                 void* yDesc, float* y, void* paramDesc, const float* scale, const float* bias,
                                                                 double factor, float* runningMean, float* runningVar, double epsilon,
                                                                 float* saveMean, float* saveInvVar)
{
    Handle* h;
    Shape s;
    if (cudnnStatus_t status = shapes(handle, mode, xDesc, yDesc, paramDesc, epsilon, &h, &s); status != CUDNN_STATUS_SUCCESS) return status;
    if (!alpha || !beta || !x || !y || !scale || !bias) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    if (!runningMean != !runningVar || !saveMean != !saveInvVar) return CUDNN_STATUS_BAD_PARAM;
    float a = scalar(alpha), b = scalar(beta);
    return submit(h, "cudnnBatchNormalizationForwardTraining", [=](std::string* why) {
        bool ok = device_floats(x, s.count()) && device_floats(y, s.count()) && device_floats(scale, s.c) && device_floats(bias, s.c) &&
                  (!runningMean || (device_floats(runningMean, s.c) && device_floats(runningVar, s.c))) &&
                  (!saveMean || (device_floats(saveMean, s.c) && device_floats(saveInvVar, s.c)));
        if (!ok) return *why = "a tensor is not inside live device memory for its descriptor's size", CUDA_ERROR_ILLEGAL_ADDRESS;
        double m = static_cast<double>(s.n) * s.plane();
        for (int c = 0; c < s.c; c++) {
            double sum = 0, squares = 0;
            for (int n = 0; n < s.n; n++)
                for (long long p = 0; p < s.plane(); p++) sum += x[s.at(n, c, p)];
            double mean = sum / m;
            for (int n = 0; n < s.n; n++)
                for (long long p = 0; p < s.plane(); p++) squares += (x[s.at(n, c, p)] - mean) * (x[s.at(n, c, p)] - mean);
            double variance = squares / m;
            double invStd = 1.0 / std::sqrt(variance + epsilon);
            for (int n = 0; n < s.n; n++)
                for (long long p = 0; p < s.plane(); p++) {
                    long long i = s.at(n, c, p);
                    y[i] = blend(scale[c] * (x[i] - mean) * invStd + bias[c], a, b, y[i]);
                }
            if (runningMean) {
                double unbiased = m > 1 ? squares / (m - 1) : variance;
                runningMean[c] = static_cast<float>((1 - factor) * runningMean[c] + factor * mean);
                runningVar[c] = static_cast<float>((1 - factor) * runningVar[c] + factor * unbiased);
            }
            if (saveMean) {
                saveMean[c] = static_cast<float>(mean);
                saveInvVar[c] = static_cast<float>(invStd);
            }
        }
        return CUDA_SUCCESS;
    });
}

STANDIN_API cudnnStatus_t cudnnBatchNormalizationForwardInference(void* handle, int mode, const void* alpha, const void* beta, void* xDesc, const float* x,
                                                                  void* yDesc, float* y, void* paramDesc, const float* scale, const float* bias,
                                                                  const float* mean, const float* variance, double epsilon)
{
    Handle* h;
    Shape s;
    if (cudnnStatus_t status = shapes(handle, mode, xDesc, yDesc, paramDesc, epsilon, &h, &s); status != CUDNN_STATUS_SUCCESS) return status;
    if (!alpha || !beta || !x || !y || !scale || !bias || !mean || !variance) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    float a = scalar(alpha), b = scalar(beta);
    return submit(h, "cudnnBatchNormalizationForwardInference", [=](std::string* why) {
        bool ok = device_floats(x, s.count()) && device_floats(y, s.count()) && device_floats(scale, s.c) && device_floats(bias, s.c) &&
                  device_floats(mean, s.c) && device_floats(variance, s.c);
        if (!ok) return *why = "a tensor is not inside live device memory for its descriptor's size", CUDA_ERROR_ILLEGAL_ADDRESS;
        for (int c = 0; c < s.c; c++) {
            double invStd = 1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon);
            for (int n = 0; n < s.n; n++)
                for (long long p = 0; p < s.plane(); p++) {
                    long long i = s.at(n, c, p);
                    y[i] = blend(scale[c] * (x[i] - mean[c]) * invStd + bias[c], a, b, y[i]);
                }
        }
        return CUDA_SUCCESS;
    });
}

// Without saved statistics (both NULL) the mean and inverse deviation are recomputed from x.
STANDIN_API cudnnStatus_t cudnnBatchNormalizationBackward(void* handle, int mode, const void* alphaData, const void* betaData, const void* alphaParam,
                                                          const void* betaParam, void* xDesc, const float* x, void* dyDesc, const float* dy,
                                                          void* dxDesc, float* dx, void* paramDesc, const float* scale, float* dScale,
                                                          float* dBias, double epsilon, const float* savedMean, const float* savedInvVar)
{
    Handle* h;
    Shape s;
    if (cudnnStatus_t status = shapes(handle, mode, xDesc, dxDesc, paramDesc, epsilon, &h, &s); status != CUDNN_STATUS_SUCCESS) return status;
    Tensor* dyT = live<Tensor>(dyDesc);
    if (!dyT || !dyT->set || dyT->n != s.n || dyT->c != s.c || dyT->h != s.h || dyT->w != s.w) return CUDNN_STATUS_BAD_PARAM;
    if (!alphaData || !betaData || !alphaParam || !betaParam || !x || !dy || !dx || !scale || !dScale || !dBias) return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    if (!savedMean != !savedInvVar) return CUDNN_STATUS_BAD_PARAM;
    float ad = scalar(alphaData), bd = scalar(betaData), ap = scalar(alphaParam), bp = scalar(betaParam);
    return submit(h, "cudnnBatchNormalizationBackward", [=](std::string* why) {
        bool ok = device_floats(x, s.count()) && device_floats(dy, s.count()) && device_floats(dx, s.count()) && device_floats(scale, s.c) &&
                  device_floats(dScale, s.c) && device_floats(dBias, s.c) &&
                  (!savedMean || (device_floats(savedMean, s.c) && device_floats(savedInvVar, s.c)));
        if (!ok) return *why = "a tensor is not inside live device memory for its descriptor's size", CUDA_ERROR_ILLEGAL_ADDRESS;
        double m = static_cast<double>(s.n) * s.plane();
        for (int c = 0; c < s.c; c++) {
            double mean, invStd;
            if (savedMean) {
                mean = savedMean[c];
                invStd = savedInvVar[c];
            } else {
                double sum = 0, squares = 0;
                for (int n = 0; n < s.n; n++)
                    for (long long p = 0; p < s.plane(); p++) sum += x[s.at(n, c, p)];
                mean = sum / m;
                for (int n = 0; n < s.n; n++)
                    for (long long p = 0; p < s.plane(); p++) squares += (x[s.at(n, c, p)] - mean) * (x[s.at(n, c, p)] - mean);
                invStd = 1.0 / std::sqrt(squares / m + epsilon);
            }
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < s.n; n++)
                for (long long p = 0; p < s.plane(); p++) {
                    long long i = s.at(n, c, p);
                    sumDy += dy[i];
                    sumDyXhat += dy[i] * (x[i] - mean) * invStd;
                }
            for (int n = 0; n < s.n; n++)
                for (long long p = 0; p < s.plane(); p++) {
                    long long i = s.at(n, c, p);
                    double xhat = (x[i] - mean) * invStd;
                    dx[i] = blend(scale[c] * invStd / m * (m * dy[i] - sumDy - xhat * sumDyXhat), ad, bd, dx[i]);
                }
            dScale[c] = blend(sumDyXhat, ap, bp, dScale[c]);
            dBias[c] = blend(sumDy, ap, bp, dBias[c]);
        }
        return CUDA_SUCCESS;
    });
}
