namespace AutoLoRa.Verify.References;

/// <summary>
/// GELU in double precision, its two forms and their derivatives: the reference the backends'
/// float approximations are held to. .NET has no erf, so <see cref="Erf"/> sums its Taylor series.
/// </summary>
public static class GeluReference
{
    /// <summary>x·Φ(x), Φ the standard normal CDF.</summary>
    public static double Exact(double x) => x * Cdf(x);

    /// <summary>d/dx of x·Φ(x).</summary>
    public static double ExactDerivative(double x) => Cdf(x) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>The tanh approximation of GELU.</summary>
    public static double Tanh(double x) => 0.5 * x * (1 + Math.Tanh(Inner(x)));

    /// <summary>d/dx of the tanh approximation.</summary>
    public static double TanhDerivative(double x)
    {
        double t = Math.Tanh(Inner(x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Math.Sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
    }

    /// <summary>
    /// erf(x) = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n!(2n + 1)), summed until the terms vanish. The largest
    /// term is about e^{x²}, so the series is only trusted for |x| ≤ 4 (cancellation error under
    /// 1e-9); the cases keep GELU's inputs within |x| ≤ 4√2.
    /// </summary>
    public static double Erf(double x)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Abs(x), 4.0, nameof(x));
        double term = x, sum = x;
        for (int n = 1; Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
        {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>Φ(x), the standard normal CDF (|x| ≤ 4√2).</summary>
    internal static double Cdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    private static double Inner(double x) => Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
}
