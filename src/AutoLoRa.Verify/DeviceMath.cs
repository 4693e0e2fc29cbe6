namespace AutoLoRa.Verify;

/// <summary>
/// The error bounds of the transcendental arithmetic our kernels run on an NVIDIA GPU, as NVIDIA
/// documents them, so tolerances that involve exp or log are derived rather than tuned on the
/// emulator (whose host build calls the correctly rounded libm). The device build
/// (kernels/autolora_cuda.cuh, clang without libdevice) computes exp(x) as ex2.approx(x·log2 e) and
/// log(x) as lg2.approx(x)·ln 2; every other operation is an IEEE FP32 add, multiply or fma, each
/// correctly rounded (.rn).
/// </summary>
public static class DeviceMath
{
    /// <summary>u, FP32's unit roundoff (2^-24): the relative error of one correctly rounded add, multiply or fma.</summary>
    public const double Fp32UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>
    /// The relative error of ex2.approx.f32: at most 2 ulp from the correctly rounded result over the
    /// whole input range (PTX ISA 9.1, §9.7.3.21), so at most 2.5 ulp from 2^a, and an ulp is at most
    /// 2u of the value: 5u.
    /// </summary>
    public const double Ex2Relative = 5 * Fp32UnitRoundoff;

    /// <summary>
    /// The error of lg2.approx.f32: absolute 2^-22 for inputs in (0.5, 2), relative 2^-22 for other
    /// positive finite inputs (PTX ISA 9.1, §9.7.3.20).
    /// </summary>
    public const double Lg2Error = 1.0 / (1 << 22);

    /// <summary>
    /// The relative error of the device's exp(x) for |x| ≤ <paramref name="maxAbsArgument"/>: ex2's 5u,
    /// plus the rounding of t = x·log2 e (an absolute error |t|·u in the exponent is a relative error
    /// ln 2·|t|·u = |x|·u in 2^t), plus log2 e's own rounding to FP32 (another |x|·u).
    /// </summary>
    public static double ExpRelative(double maxAbsArgument) => Ex2Relative + 2 * maxAbsArgument * Fp32UnitRoundoff;

    /// <summary>
    /// The absolute error of the device's log(x) for x in [1, <paramref name="maxArgument"/>] (a row
    /// sum that includes its own maximum's exp(0) = 1): lg2's 2^-22·max(1, log2 x) times ln 2, plus the
    /// rounding of the product and of ln 2 to FP32 (2u·|ln x|).
    /// </summary>
    public static double LogAbsolute(double maxArgument)
    {
        double log2 = Math.Log2(Math.Max(1, maxArgument));
        return Math.Log(2) * Lg2Error * Math.Max(1, log2) + 2 * Fp32UnitRoundoff * Math.Log(Math.Max(1, maxArgument));
    }

    /// <summary>
    /// The absolute error of the device's log-sum-exp of one row — so of a log-softmax, a
    /// cross-entropy row or log p of a KL — for logits spanning at most <paramref name="spread"/>
    /// (max − min) in rows of <paramref name="classes"/>: the row sum S = Σ exp(z − max), between 1
    /// and <paramref name="classes"/>, errs relatively by <see cref="ExpRelative"/>(spread), which log
    /// turns into as much absolute error, plus log's own <see cref="LogAbsolute"/>(classes).
    /// </summary>
    public static double LogSumExpAbsolute(double spread, int classes) => ExpRelative(spread) + LogAbsolute(classes);

    /// <summary>
    /// The absolute error of the device's KL(p ‖ q) = Σ p·(log p − log q) of one row whose two sets of
    /// logits each span at most <paramref name="spread"/>: log p and log q, both in
    /// [−(spread + ln classes), 0], err by δ = <see cref="LogSumExpAbsolute"/> each; p = exp(log p)
    /// relatively by ε = ExpRelative(spread + ln classes) plus δ. With Σp = 1 and
    /// |log p − log q| ≤ spread + ln classes: 2δ + (ε + δ)·(spread + ln classes).
    /// </summary>
    public static double KlRowAbsolute(double spread, int classes)
    {
        double delta = LogSumExpAbsolute(spread, classes), range = spread + Math.Log(classes);
        return 2 * delta + (ExpRelative(range) + delta) * range;
    }
}
