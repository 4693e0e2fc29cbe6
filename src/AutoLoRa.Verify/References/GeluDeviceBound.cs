namespace AutoLoRa.Verify.References;

/// <summary>
/// The error of the GELU kernels of kernels/transformer.cu as a GPU runs them, derived operation by
/// operation from the device's documented arithmetic (<see cref="DeviceMath"/>): every add, multiply,
/// divide (div.rn, rcp.rn) and fma correctly rounded (relative u = 2^-24 each; an fma the compiler
/// forms from a multiply and an add only removes a rounding), and exp through ex2.approx
/// (<see cref="DeviceMath.ExpRelative"/>). The kernels build erf (Abramowitz–Stegun 7.1.26) and
/// tanh from that exp, so the bound is theirs, not a host libm's. Each function gives a first-order
/// bound at one input; <see cref="MaxAbsolute"/> takes its largest value over an input range, for a
/// tolerance of the form atol + <see cref="Relative"/>·|reference|.
/// </summary>
public static class GeluDeviceBound
{
    private const double U = DeviceMath.Fp32UnitRoundoff;

    /// <summary>
    /// The relative part of every GELU tolerance: the kernel's last product rounded (u), and the
    /// double reference rounded to float for the comparison (u).
    /// </summary>
    public const double Relative = 2 * U;

    /// <summary>Abramowitz–Stegun 7.1.26's own error in exact arithmetic: |ε| ≤ 1.5e-7.</summary>
    public const double AbramowitzStegun = 1.5e-7;

    // erf(a) ≈ 1 − t·P(t)·exp(−a²), t = 1/(1 + p·a): the coefficients of P, highest power last.
    private static readonly double[] Coefficients = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];

    /// <summary>
    /// |Δ erf| of the kernel's erf at a = |x|/√2 (x the GELU input), absolute. With e = exp(−a²)
    /// and the polynomial q(t) = t·P(t) (0 ≤ q·e = erfc(a) ≤ 1):
    /// A&amp;S's 1.5e-7; the final 1 − q·e (u); and, times e: the rounded argument a = x·√½
    /// (2u·a, through erf′ ≤ 2/√π·e), exp at −a² (ex2's 5u, 2a²u for x·log2 e, a²u for the rounded
    /// square), Horner's 10u·Σ|cᵢ|tⁱ plus the coefficients' rounding to float (u·Σ|cᵢ|tⁱ), t's four
    /// roundings (4u·t·|q′(t)| ≤ 4u·Σi|cᵢ|tⁱ) and the product q·e (u).
    /// </summary>
    public static double Erf(double x)
    {
        double a = Math.Abs(x) / Math.Sqrt(2), t = 1 / (1 + 0.3275911 * a), e = Math.Exp(-a * a);
        double sum = 0, weighted = 0, power = t;
        for (int i = 0; i < Coefficients.Length; i++, power *= t)
        {
            sum += Math.Abs(Coefficients[i]) * power;
            weighted += (i + 1) * Math.Abs(Coefficients[i]) * power;
        }
        double argument = 4 / Math.Sqrt(Math.PI) * a;
        double exp = DeviceMath.ExpRelative(a * a) / U + a * a;
        return AbramowitzStegun + U + e * U * (argument + exp + 11 * sum + 4 * weighted + 1);
    }

    /// <summary>y = (0.5·x)·(1 + erf): 0.5·x exact, 1 + erf rounded (u·|1 + erf| ≤ 2u), so 0.5|x|·(Δerf + 2u); the product's rounding is <see cref="Relative"/>.</summary>
    public static double Exact(double x) => 0.5 * Math.Abs(x) * (Erf(x) + 2 * U);

    /// <summary>
    /// dx = dy·(Φ + x·φ) with |dy| ≤ 1: Φ = 0.5·(1 + erf) errs by 0.5·(Δerf + 2u); φ = (1/√(2π))·exp(−0.5·x·x)
    /// by exp at −x²/2 (5u + x²u) plus the rounded square (x²u/2) and the constant and its product (2u),
    /// and x·φ by one more u; the sum Φ + x·φ by u·(Φ + |x|φ); the product with dy is <see cref="Relative"/>.
    /// </summary>
    public static double ExactBackward(double x)
    {
        double phi = Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI), cdf = GeluReference.Cdf(x);
        double pdfRelative = DeviceMath.ExpRelative(0.5 * x * x) + (0.5 * x * x + 3) * U;
        return 0.5 * (Erf(x) + 2 * U) + pdfRelative * Math.Abs(x) * phi + U * (cdf + Math.Abs(x) * phi);
    }

    /// <summary>
    /// |Δ tanh| of the kernel's tanh(w) = 1 − 2/(exp(2w) + 1) at w = √(2/π)·(x + 0.044715·x³):
    /// w errs relatively by 7u (three products with x, the cubic constant and its product, the sum of
    /// two same-signed terms, √(2/π) and its product), which moves tanh by (1 − T²)·7u·|w|; exp(2w)
    /// errs relatively by ε = ExpRelative(2|w|), which moves tanh by (1 − T²)/2·ε; the sum E + 1 and the
    /// quotient 2/(E + 1) = 1 − T by (1 − T)·u each; the difference 1 − q by u·|T|.
    /// </summary>
    public static double Tanh(double x)
    {
        double w = TanhArgument(x), tanh = Math.Tanh(w), sech2 = 1 - tanh * tanh;
        return sech2 * 7 * U * Math.Abs(w) + sech2 / 2 * DeviceMath.ExpRelative(2 * Math.Abs(w)) + 2 * (1 - tanh) * U + Math.Abs(tanh) * U;
    }

    /// <summary>y = (0.5·x)·(1 + tanh): 0.5|x|·(Δtanh + 2u); the product's rounding is <see cref="Relative"/>.</summary>
    public static double TanhForm(double x) => 0.5 * Math.Abs(x) * (Tanh(x) + 2 * U);

    /// <summary>
    /// dx = dy·(0.5·(1 + t) + 0.5·x·(1 − t²)·w′) with |dy| ≤ 1, w′ = √(2/π)·(1 + 3·0.044715·x²)
    /// (relatively 7u: its constants, three products, a sum, and √(2/π)'s product): the first term errs
    /// by 0.5·(Δt + 2u); 1 − t·t by 2|T|·Δt + u·T² + u·(1 − T²); the second term by
    /// 0.5|x|·w′·Δ(1 − t²) + 0.5|x|·(1 − T²)·w′·9u (w′'s 7u and two products); their sum by u·|sum|;
    /// the product with dy is <see cref="Relative"/>.
    /// </summary>
    public static double TanhBackward(double x)
    {
        double tanh = Math.Tanh(TanhArgument(x)), sech2 = 1 - tanh * tanh, dt = Tanh(x);
        double slope = Math.Sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
        double first = 0.5 * (1 + tanh), second = 0.5 * Math.Abs(x) * sech2 * slope;
        double oneMinusSquare = 2 * Math.Abs(tanh) * dt + U * tanh * tanh + U * sech2;
        return 0.5 * (dt + 2 * U) + 0.5 * Math.Abs(x) * slope * oneMinusSquare + second * 9 * U + U * (first + second);
    }

    /// <summary>
    /// The largest value of <paramref name="bound"/> over [<paramref name="low"/>, <paramref name="high"/>]
    /// on a grid of 20,001 points, plus 1% for the bound's slope between them (each term is smooth and
    /// changes by far less than 1% over a grid step of 1/2000 of the range).
    /// </summary>
    public static double MaxAbsolute(Func<double, double> bound, double low, double high)
    {
        const int steps = 20_000;
        double max = 0;
        for (int i = 0; i <= steps; i++) max = Math.Max(max, bound(low + (high - low) * i / steps));
        return 1.01 * max;
    }

    private static double TanhArgument(double x) => Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
}
