using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify;

/// <summary>
/// How far a backend's output may be from the reference, element by element:
/// |candidate − reference| ≤ <see cref="Absolute"/> + <see cref="Relative"/>·|reference|, and
/// NaN or ±∞ only where the reference has the same. <see cref="Why"/> says where the bound comes
/// from, so a reader can tell a tight bound from a loose one before changing it.
/// </summary>
public sealed record Tolerance(double Relative, double Absolute, string Why)
{
    /// <summary>Bit-exact (up to ±0): the operation has one correctly rounded answer.</summary>
    public static Tolerance Exact(string why) => new(0, 0, why);

    /// <summary>|c − r| ≤ bound·(1 + |r|): absolute near zero, relative for large values.</summary>
    public static Tolerance Scaled(double bound, string why) => new(bound, bound, why);

    /// <summary>
    /// This tolerance plus the device's documented transcendental error (<see cref="DeviceMath"/>):
    /// the bound it had covers the summation orders and roundings it was written for; a GPU's
    /// ex2.approx / lg2.approx error comes on top, derived as <paramref name="derivation"/> says.
    /// </summary>
    public Tolerance WithDeviceMath(double relative, double absolute, string derivation) => this with
    {
        Relative = Relative + relative,
        Absolute = Absolute + absolute,
        Why = $"{Why}; plus the GPU's exp/log error: {derivation}",
    };

    /// <summary>
    /// The bound for a backend whose GEMMs and convolutions run in TF32 (null: the same as in FP32,
    /// for outputs no matrix product computes).
    /// </summary>
    public Tolerance? UnderTf32 { get; init; }

    /// <summary>The tolerance for a candidate computing its matrix products in <paramref name="precision"/>.</summary>
    public Tolerance For(MatrixPrecision precision) => precision == MatrixPrecision.Tf32 && UnderTf32 is { } tf32 ? tf32 : this;

    /// <summary>
    /// This tolerance for FP32, widened under TF32 by the input rounding of a dot product of
    /// <paramref name="terms"/> products, each at most <paramref name="maxProduct"/> in magnitude
    /// (scaling included): <see cref="Tf32.InputRoundingBound"/>, (2u + u²)·k·max|α·a·b| with
    /// u = 2^-11, added to the absolute part — TF32 rounds the inputs, not the sum, so its error
    /// scales with Σ|a·b| rather than with the result. The FP32 bound stays for the accumulation.
    /// </summary>
    public Tolerance WithTf32Products(long terms, double maxProduct = 1) => this with
    {
        UnderTf32 = new(Relative, Absolute + Tf32.InputRoundingBound(terms, maxProduct, 1),
            $"{Why}; under TF32 plus (2u + u²)·k·max|a·b| = {Tf32.InputRoundingBound(terms, maxProduct, 1):0.0E+0} for k = {terms} (u = 2^-11, inputs rounded to 10 mantissa bits)"),
    };

    /// <summary>The error of one element measured in units of this tolerance (≤ 1 passes; ∞ for a NaN mismatch).</summary>
    public double Ratio(double candidate, double reference)
    {
        if (double.IsNaN(candidate) || double.IsNaN(reference)) return double.IsNaN(candidate) && double.IsNaN(reference) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(candidate) || double.IsInfinity(reference)) return candidate.Equals(reference) ? 0 : double.PositiveInfinity;
        double error = Math.Abs(candidate - reference);
        if (error == 0) return 0;
        double bound = Absolute + Relative * Math.Abs(reference);
        return bound > 0 ? error / bound : double.PositiveInfinity;
    }

    /// <summary>The bound, compactly: "1E-6" when scaled, else "rtol 1E-4, atol 1E-6".</summary>
    public override string ToString() => Relative == Absolute ? $"{Relative:0E+0}" : $"rtol {Relative:0E+0}, atol {Absolute:0E+0}";
}
