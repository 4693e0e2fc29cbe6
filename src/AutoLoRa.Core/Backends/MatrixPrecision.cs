namespace AutoLoRa.Core.Backends;

/// <summary>
/// The arithmetic of a backend's matrix products (GEMMs and convolutions). Everything else a
/// backend computes is FP32 whichever this is.
/// </summary>
public enum MatrixPrecision
{
    /// <summary>FP32 multiplies and FP32 accumulation.</summary>
    Fp32,

    /// <summary>
    /// TensorFloat-32 tensor cores (NVIDIA compute capability 8.0 and later): each multiply's inputs
    /// rounded to 10 mantissa bits (unit roundoff 2^-11, FP32's exponent range), products accumulated
    /// in FP32.
    /// </summary>
    Tf32,
}

/// <summary>
/// TensorFloat-32 as NVIDIA documents it for Ampere's tensor cores: FP32's sign and 8 exponent bits
/// with 10 explicit mantissa bits; a multiply's FP32 inputs are rounded to it (to nearest, ties to
/// even), the products accumulated in FP32. Emulators and error bounds use this one definition.
/// </summary>
public static class Tf32
{
    /// <summary>The unit roundoff of rounding to 10 mantissa bits to nearest: 2^-11.</summary>
    public const double UnitRoundoff = 1.0 / 2048;

    /// <summary><paramref name="value"/> rounded to TF32 (to nearest, ties to even); ±∞ and NaN unchanged.</summary>
    public static float Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7F80_0000u) == 0x7F80_0000u) return value;
        // 13 low mantissa bits go: add half of their weight, minus one unless the kept part is odd.
        bits = (bits + 0xFFFu + ((bits >> 13) & 1u)) & ~0x1FFFu;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>
    /// A bound on |TF32 dot product − exact dot product| for <paramref name="terms"/> products whose
    /// inputs are at most <paramref name="maxA"/> and <paramref name="maxB"/> in magnitude, from the
    /// input rounding alone: each rounded input is within a factor (1 ± u) of the FP32 one, so each
    /// product within (2u + u²)·|a·b|, and the sum within (2u + u²)·Σ|a·b| ≤ (2u + u²)·k·maxA·maxB.
    /// The FP32 accumulation error comes on top (the FP32 tolerance the caller already has).
    /// </summary>
    public static double InputRoundingBound(long terms, double maxA, double maxB) =>
        (2 * UnitRoundoff + UnitRoundoff * UnitRoundoff) * terms * maxA * maxB;
}
