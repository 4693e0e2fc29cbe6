// optim.cu — the optimisers' updates, one pass each: SGD with momentum and weight decay (torch.optim.SGD) and AdamW (torch.optim.AdamW).
//
// sgd_momentum_f32(param, grad, velocity, n, lr, momentum, weightDecay), for i in [0, n):
//   d = grad[i] + weightDecay·param[i];  v = momentum·velocity[i] + d;  velocity[i] = v;
//   param[i] -= lr·v
// Same operation order as CpuBackend.SgdMomentumUpdate. velocity starts at zero.
// A 1-D grid-stride loop over float4 quads when param, grad and velocity share a 16-byte phase
// (autolora_stream; scalar heads/tails and mixed phases), so any grid is correct.
// Reads param, grad, velocity and writes param, velocity.
// Traffic and launch shape: the // @traffic and // @launch lines above each kernel (kernels/README.md).
#include "autolora_cuda.cuh"

// One element of the update, shared by the scalar and the vector body.
static __device__ __forceinline__ void autolora_sgd(float& p, float g, float& v, float lr, float momentum, float weightDecay)
{
    float d = g + weightDecay * p;
    v = momentum * v + d;
    p = p - lr * v;
}

// @traffic 12 + 8: param, grad, velocity read; param, velocity written
// @launch stream(n)
// @implements SgdMomentumUpdateCore(n, param, grad, velocity, lr, momentum, weightDecay)
extern "C" __global__ void sgd_momentum_f32(float* __restrict__ param, const float* __restrict__ grad,
                                            float* __restrict__ velocity, int n, float lr, float momentum,
                                            float weightDecay)
{
    autolora_stream(
        n, autolora_stream_head(n, param, grad, velocity),
        [=](long long i) { autolora_sgd(param[i], grad[i], velocity[i], lr, momentum, weightDecay); },
        [=](long long i) {
            autolora_float4 p = autolora_load4(param + i), g = autolora_load4(grad + i), v = autolora_load4(velocity + i);
            autolora_sgd(p.x, g.x, v.x, lr, momentum, weightDecay);
            autolora_sgd(p.y, g.y, v.y, lr, momentum, weightDecay);
            autolora_sgd(p.z, g.z, v.z, lr, momentum, weightDecay);
            autolora_sgd(p.w, g.w, v.w, lr, momentum, weightDecay);
            autolora_store4(velocity + i, v);
            autolora_store4(param + i, p);
        });
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(sgd_momentum_f32)

// adamw_f32(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt):
// torch.optim.AdamW (amsgrad off), in PyTorch's order for one element:
//   p ·= 1 − lr·wd;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
//   p += −stepSize · m / (sqrt(v)/bias2Sqrt + eps)
// with stepSize = lr/(1 − β1^t) and bias2Sqrt = sqrt(1 − β2^t) for step t ≥ 1, which the caller
// computes in double as PyTorch does in Python (no pow on the device). m and v start at zero.
static __device__ __forceinline__ void autolora_adamw(float& p, float g, float& m, float& v, float lr, float beta1, float beta2,
                                                      float eps, float weightDecay, float stepSize, float bias2Sqrt)
{
    p = p * (1.0f - lr * weightDecay);
    m = m * beta1 + g * (1.0f - beta1);
    v = v * beta2 + g * g * (1.0f - beta2);
    p = p + -stepSize * (m / (autolora_sqrt(v) / bias2Sqrt + eps));
}

// @traffic 16 + 12: param, grad, m, v read; param, m, v written
// @launch stream(n)
// @implements AdamWUpdateCore(n, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt)
// @declares elementwise(n): torch.optim.AdamW's update of one tensor, decoupled weight decay first: p ·= 1 − lr·wd; m, v the moment averages; p −= stepSize·m/(sqrt(v)/bias2Sqrt + eps), stepSize = lr/(1 − β1^t), bias2Sqrt = sqrt(1 − β2^t).
extern "C" __global__ void adamw_f32(float* __restrict__ param, const float* __restrict__ grad, float* __restrict__ m,
                                     float* __restrict__ v, int n, float lr, float beta1, float beta2, float eps,
                                     float weightDecay, float stepSize, float bias2Sqrt)
{
    autolora_stream(
        n, autolora_stream_head(n, param, grad, m, v),
        [=](long long i) { autolora_adamw(param[i], grad[i], m[i], v[i], lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt); },
        [=](long long i) {
            autolora_float4 p = autolora_load4(param + i), g = autolora_load4(grad + i);
            autolora_float4 mq = autolora_load4(m + i), vq = autolora_load4(v + i);
            autolora_adamw(p.x, g.x, mq.x, vq.x, lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt);
            autolora_adamw(p.y, g.y, mq.y, vq.y, lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt);
            autolora_adamw(p.z, g.z, mq.z, vq.z, lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt);
            autolora_adamw(p.w, g.w, mq.w, vq.w, lr, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt);
            autolora_store4(m + i, mq);
            autolora_store4(v + i, vq);
            autolora_store4(param + i, p);
        });
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(adamw_f32)
