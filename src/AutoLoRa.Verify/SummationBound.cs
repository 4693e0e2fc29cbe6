using AutoLoRa.Core.Backends;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Verify;

/// <summary>
/// Tolerances for sums and dot products derived from rounding-error analysis instead of tuned on
/// the emulator. A sum of terms computed in FP32 by any order (sequential, blocked, a tree), with or
/// without fused multiply-adds, in which no term passes through more than d roundings, is within
/// γ_d·Σ|terms| of the exact sum, γ_d = d·u/(1 − d·u), u = 2^-24 (Higham, Accuracy and Stability of
/// Numerical Algorithms, 2nd ed., §3.1 and §4.2; an fma rounds once, PTX ISA fma.rn). Two such
/// implementations are within (γ_{d₁} + γ_{d₂})·Σ|terms| of each other.
/// </summary>
public static class SummationBound
{
    /// <summary>u, FP32's unit roundoff.</summary>
    private const double U = DeviceMath.Fp32UnitRoundoff;

    /// <summary>Double's unit roundoff (2^-53), for the error of a double-precision reference loop.</summary>
    private const double DoubleU = 1.0 / (1L << 53);

    /// <summary>γ_n = n·u/(1 − n·u) for FP32 (u = 2^-24): the relative error bound of n successive roundings.</summary>
    public static double Gamma(long n) => Gamma(n, U);

    /// <summary>
    /// The rounding depth of α·Σ_{p&lt;k} a_p·b_p + β·c in FP32 under any summation order: one rounding
    /// per product, at most k − 1 additions, the scaling by α, and — when <paramref name="withBeta"/> —
    /// the final addition of β·c (which itself passes through two roundings, no more than k + 2).
    /// </summary>
    public static long GemmDepth(long k, bool withBeta) => k + (withBeta ? 2 : 1);

    /// <summary>|ĉ₁ − ĉ₂| ≤ (γ_{d₁} + γ_{d₂})·Σ|terms| for two FP32 implementations at depths d₁ and d₂.</summary>
    public static double Between(long depth1, long depth2, double sumOfMagnitudes) => (Gamma(depth1) + Gamma(depth2)) * sumOfMagnitudes;

    /// <summary>
    /// The tolerance of an FP32 sum at depth <paramref name="depth"/> against a double-precision
    /// reference rounded once to FP32: γ_d·S absolutely (S the largest Σ|terms| over the outputs),
    /// plus the reference's own error at the same depth in double, γ^(53)_d·S, plus its rounding to
    /// FP32, γ_1·|r|.
    /// </summary>
    public static Tolerance AgainstDouble(long depth, double maxSumOfMagnitudes, string what)
    {
        double absolute = (Gamma(depth) + Gamma(depth, DoubleU)) * maxSumOfMagnitudes;
        return new(Gamma(1), absolute,
            $"derived (Higham §3.1, §4.2): {what}; (γ_{depth} + the double loop's own γ_{depth})·Σ|terms| with max Σ|terms| = " +
            $"{maxSumOfMagnitudes:G4} over the outputs = {absolute:0.00E+0}, plus the reference's rounding to float, γ_1·|r| (u = 2^-24, any order, fma or not)");
    }

    /// <summary>
    /// The tolerance between two FP32 implementations at depths <paramref name="depth1"/> and
    /// <paramref name="depth2"/> (the candidate and the CPU backend): (γ_{d₁} + γ_{d₂})·S absolutely.
    /// </summary>
    public static Tolerance BetweenFloat(long depth1, long depth2, double maxSumOfMagnitudes, string what)
    {
        double absolute = Between(depth1, depth2, maxSumOfMagnitudes);
        return new(0, absolute,
            $"derived (Higham §3.1, §4.2): {what}; (γ_{depth1} + γ_{depth2})·Σ|terms| with max Σ|terms| = {maxSumOfMagnitudes:G4} " +
            $"over the outputs = {absolute:0.00E+0} (u = 2^-24, any order on either side, fma or not)");
    }

    /// <summary>
    /// A reasoned bound kept where the worst case is no use: its Why text gains what the worst case
    /// for two unknown orders would be, 2γ_k·k·<paramref name="maxTerm"/> for sums of
    /// <paramref name="terms"/> terms, and <paramref name="whyKept"/>, why the reasoned bound is kept.
    /// </summary>
    public static Tolerance Reasoned(Tolerance reasoned, long terms, double maxTerm, string whyKept) => reasoned with
    {
        Why = $"{reasoned.Why}; the worst case for any two orders, 2γ_{terms}·{terms}·{maxTerm:G3} = {Between(terms, terms, terms * maxTerm):0.0E+0}, {whyKept}",
    };

    /// <summary>
    /// max over (i, j) of |α|·Σ_p |op(A)[i,p]·op(B)[p,j]| + |β·C[i,j]|: the Σ|terms| of a GEMM's
    /// outputs, from its own inputs — the reference GEMM run on the magnitudes (its one rounding to
    /// float per output, a relative u, is far below the bound's own slack).
    /// </summary>
    public static double GemmMagnitude(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, ReadOnlySpan<float> c, int ldc)
    {
        var magnitudes = Abs(c);
        GemmReference.Run(transA, transB, m, n, k, Math.Abs(alpha), Abs(a), lda, Abs(b), ldb, Math.Abs(beta), magnitudes, ldc);
        double worst = 0;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) worst = Math.Max(worst, magnitudes[i * ldc + j]);
        }
        return worst;
    }

    /// <summary>
    /// The largest Σ|terms| of a convolution's three directions on these inputs: the reference
    /// convolution run on the magnitudes (forward with |bias| when there is one).
    /// </summary>
    public static (double Forward, double Data, double Filter) ConvMagnitudes(ConvGeometry g, float[] x, float[] w, float[]? bias, float[] dy) =>
        (ConvReference.Forward(g, Abs(x), Abs(w), bias is null ? null : Abs(bias)).Max(),
         ConvReference.BackwardData(g, Abs(dy), Abs(w)).Max(),
         ConvReference.BackwardFilter(g, Abs(x), Abs(dy)).Max());

    private static float[] Abs(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = Math.Abs(values[i]);
        return result;
    }

    private static double Gamma(long n, double u)
    {
        double nu = n * u;
        if (nu >= 1) throw new ArgumentOutOfRangeException(nameof(n), n, "γ_n needs n·u < 1.");
        return nu / (1 - nu);
    }
}
