namespace AutoLoRa.Reproduction;

/// <summary>
/// The paired two-sided Student's t-test on per-seed differences (the paper's significance test
/// of AutoLoRa against a baseline across runs). Assumes the seeds' differences are independent and
/// roughly normal; a pair is the two methods' runs on one seed (same backbone, data and split).
/// With fewer than <see cref="MinimumPairs"/> pairs there is no test: one degree of freedom gives a
/// p-value with no power worth printing.
/// </summary>
public readonly record struct PairedTTest(int Pairs, double MeanDifference, double T, double P)
{
    /// <summary>The fewest pairs the test is run on.</summary>
    public const int MinimumPairs = 3;

    /// <summary>The test of a − b over paired values; null with fewer than <see cref="MinimumPairs"/> pairs.</summary>
    public static PairedTTest? Of(IReadOnlyList<(double A, double B)> pairs)
    {
        if (pairs.Count < MinimumPairs) return null;
        var d = SeedSpread.Of(pairs.Select(p => p.A - p.B));
        int df = d.Count - 1;
        if (d.Std == 0) return new PairedTTest(d.Count, d.Mean, d.Mean == 0 ? 0 : Math.CopySign(double.PositiveInfinity, d.Mean), d.Mean == 0 ? 1 : 0);
        double t = d.Mean / (d.Std / Math.Sqrt(d.Count));
        return new PairedTTest(d.Count, d.Mean, t, TwoSidedP(t, df));
    }

    /// <summary>P(|T| ≥ |t|) for Student's t with <paramref name="df"/> degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).</summary>
    public static double TwoSidedP(double t, int df) => RegularizedBeta(df / (df + t * t), df / 2.0, 0.5);

    /// <summary>I_x(a, b) by its continued fraction (modified Lentz), on the side where it converges fast.</summary>
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2) ? front * ContinuedFraction(x, a, b) / a : 1 - front * ContinuedFraction(1 - x, b, a) / b;
    }

    private static double ContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m <= 300; m++)
        {
            for (int odd = 0; odd < 2; odd++)
            {
                double numerator = odd == 0
                    ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                    : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
                d = 1 + numerator * d;
                d = 1 / (Math.Abs(d) < tiny ? tiny : d);
                c = 1 + numerator / c;
                if (Math.Abs(c) < tiny) c = tiny;
                h *= c * d;
                if (odd == 1 && Math.Abs(c * d - 1) < 1e-15) return h;
            }
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine terms: about 15 significant digits).</summary>
    private static double LogGamma(double x)
    {
        double[] c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++) sum += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
