// runtime_context.cpp — helpers the cuBLAS and cuDNN stand-ins share: the CUDA runtime's implicit
// context, and TF32 rounding.
#include "driver.h"

#include <cstring>

namespace standin {

CUresult bind_runtime_context()
{
    CUcontext current = nullptr;
    if (CUresult status = cuInit(0); status != CUDA_SUCCESS) return status;
    if (CUresult status = cuCtxGetCurrent(&current); status != CUDA_SUCCESS || current) return status;
    CUcontext primary;
    if (CUresult status = cuDevicePrimaryCtxRetain(&primary, 0); status != CUDA_SUCCESS) return status;
    return cuCtxSetCurrent(primary);
}

float round_to_tf32(float value)
{
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    if ((bits & 0x7F800000u) != 0x7F800000u) bits = (bits + 0xFFFu + ((bits >> 13) & 1u)) & ~0x1FFFu;  // nearest even; Inf/NaN kept
    std::memcpy(&value, &bits, 4);
    return value;
}

} // namespace standin
