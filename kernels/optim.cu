// optim.cu — SGD with momentum and weight decay in one pass (PyTorch's torch.optim.SGD rule).
//
// sgd_momentum_f32(param, grad, velocity, n, lr, momentum, weightDecay), for i in [0, n):
//   d = grad[i] + weightDecay·param[i];  v = momentum·velocity[i] + d;  velocity[i] = v;
//   param[i] -= lr·v
// Same operation order as CpuBackend.SgdMomentumUpdate. velocity starts at zero.
// Launch: 1-D grid-stride, block 256, grid min(ceil(n / 256), 32 · SM count).
// Traffic: reads param, grad, velocity, writes param, velocity: 20 bytes per element.
#include "autolora_cuda.cuh"

extern "C" __global__ void sgd_momentum_f32(float* __restrict__ param, const float* __restrict__ grad,
                                            float* __restrict__ velocity, int n, float lr, float momentum,
                                            float weightDecay)
{
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        float p = param[i];
        float d = grad[i] + weightDecay * p;
        float v = momentum * velocity[i] + d;
        velocity[i] = v;
        param[i] = p - lr * v;
    }
}
AUTOLORA_HOST_ENTRY_ELEMENTWISE(sgd_momentum_f32)
