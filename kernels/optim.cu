// optim.cu — SGD with momentum and weight decay in one pass (PyTorch's torch.optim.SGD rule).
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
