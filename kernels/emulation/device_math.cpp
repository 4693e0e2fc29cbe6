// device_math.cpp — the device's exp and log in the host build, on request.
//
// The host build computes autolora_exp / autolora_log with libm, nearly correctly rounded, which
// hides the error of the instructions the device build runs (autolora_cuda.cuh):
// exp(x) = ex2.approx(x·log2 e), log(x) = lg2.approx(x)·ln 2. So the bounds the verification table
// derives from those instructions' documented errors (src/AutoLoRa.Verify/DeviceMath.cs) could
// be far too loose, or too tight, without a test noticing. With a nonzero scale
// (autolora_emu_set_device_math) the host follows the device formulas — the product x·log2 e
// rounded to float as mul.rn does, lg2's result times ln 2 rounded — with ex2 and lg2 off by
// `scale` times their documented maximum error (PTX ISA 9.1: ex2.approx.f32 within 2 ulp of the
// correctly rounded result, §9.7.3.21; lg2.approx.f32 within 2^-22 absolute for x in (0.5, 2) and
// 2^-22 relative elsewhere, §9.7.3.20). Scale 1 is the device at its documented worst; a larger
// scale is a worse device, which a derived bound must reject. Each error's sign comes from the
// input's bits, so the errors of a row sum neither all cancel nor all add, as a real
// approximation's would not.
#include "host_runtime.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace autolora_emu {

std::atomic<int> g_deviceMathScale{0};

namespace {

// +1 or −1, fixed per input value (a multiplicative hash's top bit).
int error_sign(float x)
{
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return ((bits * 0x9E3779B1u) >> 31) != 0 ? 1 : -1;
}

} // namespace

float device_exp(float x)
{
    int scale = g_deviceMathScale.load(std::memory_order_relaxed);
    float t = x * 1.4426950408889634f;
    float r = static_cast<float>(std::exp2(static_cast<double>(t)));
    if (!(r > 0.0f) || std::isinf(r)) return r; // 0, ∞ and NaN are exact on the device too
    // A positive finite float's bits step by one ulp per unit, across binades too.
    std::int32_t bits;
    std::memcpy(&bits, &r, sizeof bits);
    std::int64_t moved = static_cast<std::int64_t>(bits) + static_cast<std::int64_t>(error_sign(x)) * 2 * scale;
    if (moved < 0) moved = 0;
    if (moved > 0x7F7FFFFF) moved = 0x7F7FFFFF;
    bits = static_cast<std::int32_t>(moved);
    std::memcpy(&r, &bits, sizeof r);
    return r;
}

float device_log(float x)
{
    int scale = g_deviceMathScale.load(std::memory_order_relaxed);
    double l2 = std::log2(static_cast<double>(x));
    if (!std::isfinite(l2)) return static_cast<float>(l2) * 0.6931471805599453f;
    // The documented error is the float result's; rounding the moved value adds at most half an ulp more.
    double bound = x > 0.5f && x < 2.0f ? std::ldexp(1.0, -22) : std::ldexp(std::fabs(l2), -22);
    float lg2 = static_cast<float>(l2 + error_sign(x) * scale * bound);
    return lg2 * 0.6931471805599453f;
}

} // namespace autolora_emu

// Sets the host build's exp and log for later launches in this process: 0 libm (the default),
// n > 0 the device formulas with ex2.approx and lg2.approx off by n times their documented
// maximum error. Returns 0, or 1 for a negative scale.
AUTOLORA_EMU_API int autolora_emu_set_device_math(int scale)
{
    if (scale < 0) return 1;
    autolora_emu::g_deviceMathScale.store(scale);
    return 0;
}
