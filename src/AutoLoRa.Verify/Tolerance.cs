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
