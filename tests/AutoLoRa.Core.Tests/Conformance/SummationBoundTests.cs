using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Verify;
using AutoLoRa.Verify.Cases;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The derived summation bounds of the verification table (<see cref="SummationBound"/>): the
/// formula on known numbers, that it really bounds float sums, and that a GEMM case built on it
/// fails a candidate made worse than the bound and passes one made worse by less.
/// </summary>
[Trait("Backend", "cpu")]
public sealed class SummationBoundTests : IDisposable
{
    private const double U = 1.0 / (1 << 24);

    private readonly CpuBackend _candidate = new(), _reference = new();

    [Fact]
    public void Gamma_is_n_u_over_one_minus_n_u()
    {
        // Relative comparisons: the values are near 1e-8 .. 1e-5.
        AssertClose(U / (1 - U), SummationBound.Gamma(1));
        AssertClose(100 * U / (1 - 100 * U), SummationBound.Gamma(100));
        // (γ_35 + γ_35)·8: two implementations of a 33-term GEMM with β·C against each other.
        AssertClose(2 * 35 * U / (1 - 35 * U) * 8, SummationBound.Between(35, 35, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => SummationBound.Gamma(1 << 24));
    }

    [Fact]
    public void A_gemm_passes_k_products_then_alpha_then_beta_c_through_its_roundings()
    {
        Assert.Equal(34, SummationBound.GemmDepth(33, withBeta: false));
        Assert.Equal(35, SummationBound.GemmDepth(33, withBeta: true));
    }

    [Fact]
    public void Gemm_magnitude_is_the_largest_sum_of_absolute_terms()
    {
        // A = [[1, -2], [3, 4]], B = [[-1, 0.5], [2, -3]], C = [[1, -1], [0, 2]], α = −0.5, β = 2:
        // |α|·Σ|a·b| + |β·c| per element: (2.5 + 2, 3.25 + 2, 5.5 + 0, 6.75 + 4); the largest is 10.75.
        float[] a = [1, -2, 3, 4], b = [-1, 0.5f, 2, -3], c = [1, -1, 0, 2];
        Assert.Equal(10.75, SummationBound.GemmMagnitude(false, false, 2, 2, 2, -0.5f, a, 2, b, 2, 2f, c, 2), 12);
        // op(A) = Aᵀ = [[1, 3], [-2, 4]], β = 0 drops C: (3.5, 4.75, 5, 6.5); the largest is 0.5·(|−2·0.5| + |4·−3|) = 6.5.
        Assert.Equal(6.5, SummationBound.GemmMagnitude(true, false, 2, 2, 2, -0.5f, a, 2, b, 2, 0f, c, 2), 12);
    }

    [Fact]
    public void Conv_magnitudes_sum_each_directions_absolute_terms()
    {
        // One image, one channel, 3×3 input, one 2×2 filter, stride 1: four outputs of four products each.
        var g = new ConvGeometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0);
        float[] x = [1, -2, 3, -4, 5, -6, 7, -8, 9], w = [1, -1, 0.5f, -0.5f], dy = [1, -1, 2, -2];
        var (forward, data, filter) = SummationBound.ConvMagnitudes(g, x, w, [-3f], dy);
        // The largest forward sum: |5| + |−6| + 0.5·|−8| + 0.5·|9| + |bias| 3 = 22.5 (the bottom-right window).
        Assert.Equal(22.5, forward, 12);
        // The centre input element x[1,1] meets all four outputs: |1·−0.5| + |−1·0.5| + |2·−1| + |−2·1| = 5.
        Assert.Equal(5, data, 12);
        // dw[1,1] = Σ x[1+i, 1+j]·dy[i, j] over the four positions: 5 + 6 + 16 + 18 = 45.
        Assert.Equal(45, filter, 12);
    }

    [Fact]
    public void Float_sums_in_any_order_stay_within_gamma_k_of_the_exact_sum()
    {
        // The bound the table rests on, checked on float sums of mixed-sign terms in three orders.
        var terms = new SeededData(5).Uniform(4097);
        double exact = terms.Sum(t => (double)t), magnitude = terms.Sum(t => Math.Abs((double)t));
        float forward = 0, backward = 0;
        foreach (float t in terms) forward += t;
        for (int i = terms.Length - 1; i >= 0; i--) backward += terms[i];
        // Pairwise: each level adds the upper half onto the lower, so a term meets ⌈log₂ n⌉ roundings.
        float[] tree = (float[])terms.Clone();
        int depth = 0;
        for (int width = tree.Length; width > 1; depth++)
        {
            int half = (width + 1) / 2;
            for (int i = 0; i < width / 2; i++) tree[i] += tree[i + half];
            width = half;
        }
        Assert.Equal(13, depth);
        double bound = SummationBound.Gamma(terms.Length - 1) * magnitude;
        Assert.InRange(Math.Abs(forward - exact), 0, bound);
        Assert.InRange(Math.Abs(backward - exact), 0, bound);
        Assert.InRange(Math.Abs(tree[0] - exact), 0, SummationBound.Gamma(depth) * magnitude);
    }

    [Fact]
    public void Derived_gemm_bounds_state_their_formula_and_numbers()
    {
        var c = (PrimitiveCase)VerificationTable.Find("gemm tA=False tB=False 130×65×257 alpha=1 beta=0");
        var tolerance = c.Buffers.Checked[0].Tolerance;
        Assert.Contains("γ_258", tolerance.Why);
        Assert.Contains($"{tolerance.Absolute:0.00E+0}", tolerance.Why);
        Assert.Equal(SummationBound.Gamma(1), tolerance.Relative);
    }

    [Fact]
    public void A_kept_reasoned_bound_keeps_its_numbers_and_states_the_worst_case()
    {
        var reasoned = Tolerance.Scaled(1e-5, "a row sum");
        var kept = SummationBound.Reasoned(reasoned, 1000, 1, "exceeds the sum");
        Assert.Equal((reasoned.Relative, reasoned.Absolute), (kept.Relative, kept.Absolute));
        // 2γ_1000·1000·1 = 2·1000u/(1 − 1000u)·1000 ≈ 1.2E-1.
        Assert.Contains("2γ_1000·1000·1 = 1.2E-1, exceeds the sum", kept.Why);
        Assert.StartsWith("a row sum; the worst case", kept.Why);
    }

    [Theory]
    [InlineData("gemm tA=True tB=False 65×130×33 alpha=1 beta=0", 1.5, false)]
    [InlineData("gemm tA=True tB=False 65×130×33 alpha=1 beta=0", 0.5, true)]
    [InlineData("gemm strided batched tA=True tB=True", 1.5, false)]
    [InlineData("gemm strided batched tA=True tB=True", 0.5, true)]
    [InlineData("gemm ta=False tb=True beta=0.5 67×45×33", 1.5, false)]
    [InlineData("gemm ta=False tb=True beta=0.5 67×45×33", 0.5, true)]
    [InlineData("conv2d 1×2×8×8 k3×3×3/s1/p1", 1.5, false)]
    [InlineData("conv2d 1×2×8×8 k3×3×3/s1/p1", 0.5, true)]
    public void A_candidate_made_worse_than_the_derived_bound_in_one_element_fails(string name, double factor, bool passes)
    {
        var c = (PrimitiveCase)VerificationTable.Find(name);
        // The CPU backend as the candidate; where the case's reference is the CPU backend, a second one,
        // so that only the candidate's output is worsened.
        var outcome = Worsened(c, factor, _candidate).Check(_candidate, c.NeedsReferenceBackend ? _reference : null);
        Assert.True(outcome.Passed == passes, $"{name}, one element {factor}× its bound further off: {outcome.Detail}");
    }

    private static void AssertClose(double expected, double actual) => Assert.Equal(expected, actual, tolerance: 1e-14 * expected);

    public void Dispose()
    {
        _candidate.Dispose();
        _reference.Dispose();
    }

    /// <summary>
    /// The case with its first checked output moved, after the run, by <paramref name="factor"/>
    /// times its FP32 bound at that element (Absolute + Relative·|value|) in its middle element, on
    /// <paramref name="candidate"/> only.
    /// </summary>
    private static PrimitiveCase Worsened(PrimitiveCase c, double factor, Backend candidate)
    {
        var output = c.Buffers.Checked[0];
        return new()
        {
            Family = c.Family, Name = c.Name, Buffers = c.Buffers, HostReference = c.HostReference,
            Run = (be, x) =>
            {
                c.Run(be, x);
                if (!ReferenceEquals(be, candidate)) return;
                var values = new float[c.Buffers.Data[output.Slot].Length];
                be.Download(x[output.Slot], values);
                int i = values.Length / 2;
                values[i] = (float)(values[i] + factor * (output.Tolerance.Absolute + output.Tolerance.Relative * Math.Abs(values[i])));
                be.Upload(values, x[output.Slot]);
            },
        };
    }
}
