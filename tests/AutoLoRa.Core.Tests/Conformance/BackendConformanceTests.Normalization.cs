using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Reference;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
    // n, c, hw, input offset (a large mean with a small spread stresses the variance)
    [BackendTheory]
    [InlineData(3, 4, 35, 0f)]
    [InlineData(1, 1, 9, 0f)] // batch 1, C = 1: M = 9
    [InlineData(2, 3, 1, 0f)] // hw = 1 (after global pooling): M = n
    [InlineData(4, 16, 1024, 0f)] // large enough to split over channels
    [InlineData(3, 2, 50, 100f)]
    public void BatchNorm_training_matches_reference(int n, int c, int hw, float offset)
    {
        const float momentum = 0.1f, eps = 1e-5f;
        float spread = offset == 0 ? 1f : 0.05f;
        float[] x = TestData.Uniform(n * c * hw, 31, offset - spread, offset + spread);
        float[] gamma = TestData.Uniform(c, 32, 0.5f, 1.5f);
        float[] beta = TestData.Uniform(c, 33);
        float[] rm = TestData.Uniform(c, 34);
        float[] rv = TestData.Uniform(c, 35, 0.5f, 1.5f);
        float[] dy = TestData.Uniform(n * c * hw, 36);
        var expected = BatchNormReference.ForwardTraining(n, c, hw, x, gamma, beta, rm, rv, momentum, eps);
        var (edx, edgamma, edbeta) = BatchNormReference.Backward(n, c, hw, x, dy, gamma, eps);
        string at = $"n={n} c={c} hw={hw} offset={offset}";

        using var s = new Scope(this);
        var bx = s.Upload(x);
        var bg = s.Upload(gamma);
        var brm = s.Upload(rm);
        var brv = s.Upload(rv);
        var by = s.Filled(x.Length, float.NaN);
        var bMean = s.Filled(c, float.NaN);
        var bInv = s.Filled(c, float.NaN);
        Backend.BatchNormForwardTraining(n, c, hw, bx, bg, s.Upload(beta), by, brm, brv, momentum, eps, bMean, bInv);

        TestData.AssertClose(expected.Y, Download(by), 1e-4f, 1e-5f, $"y {at}");
        TestData.AssertClose(expected.Mean, Download(bMean), 1e-5f, 1e-6f, $"saveMean {at}");
        TestData.AssertClose(expected.InvStd, Download(bInv), 1e-4f, 1e-5f, $"saveInvStd {at}");
        TestData.AssertClose(expected.RunningMean, Download(brm), 1e-5f, 1e-6f, $"runningMean {at}");
        TestData.AssertClose(expected.RunningVar, Download(brv), 1e-4f, 1e-6f, $"runningVar {at}");

        var bdx = s.Filled(x.Length, float.NaN);
        var bdg = s.Filled(c, float.NaN);
        var bdb = s.Filled(c, float.NaN);
        Backend.BatchNormBackward(n, c, hw, bx, s.Upload(dy), bg, bMean, bInv, bdx, bdg, bdb);
        // dx carries a factor 1/σ (about 35 in the offset case).
        TestData.AssertClose(edx, Download(bdx), 1e-4f, offset == 0 ? 1e-5f : 1e-4f, $"dx {at}");
        TestData.AssertClose(edgamma, Download(bdg), 1e-4f, 1e-4f, $"dgamma {at}");
        TestData.AssertClose(edbeta, Download(bdb), 1e-4f, 1e-4f, $"dbeta {at}");
    }

    [BackendFact]
    public void BatchNorm_running_statistics_use_momentum_and_unbiased_variance()
    {
        // One channel, values {1, 2, 3, 4, 5, 6}: mean 3.5, biased var 35/12, unbiased var 3.5.
        float[] x = [1, 2, 3, 4, 5, 6];
        using var s = new Scope(this);
        var rm = s.Upload(new float[] { 0f });
        var rv = s.Upload(new float[] { 1f });
        var mean = s.Filled(1, 0);
        var inv = s.Filled(1, 0);
        Backend.BatchNormForwardTraining(2, 1, 3, s.Upload(x), s.Upload(new float[] { 1f }), s.Upload(new float[] { 0f }),
            s.Filled(6, 0), rm, rv, 0.1f, 0f, mean, inv);
        Assert.Equal(0.35f, Download(rm)[0], 1e-6f);
        Assert.Equal(0.9f * 1f + 0.1f * 3.5f, Download(rv)[0], 1e-6f);
        Assert.Equal(3.5f, Download(mean)[0], 1e-6f);
        Assert.Equal((float)(1 / Math.Sqrt(35.0 / 12)), Download(inv)[0], 1e-6f);
    }

    [BackendTheory]
    [InlineData(3, 4, 35)]
    [InlineData(4, 16, 1024)]
    public void BatchNorm_inference_uses_running_statistics(int n, int c, int hw)
    {
        const float eps = 1e-5f;
        float[] x = TestData.Uniform(n * c * hw, 41, -2, 2);
        float[] gamma = TestData.Uniform(c, 42, 0.5f, 1.5f);
        float[] beta = TestData.Uniform(c, 43);
        float[] rm = TestData.Uniform(c, 44);
        float[] rv = TestData.Uniform(c, 45, 0.2f, 2f);
        using var s = new Scope(this);
        var brm = s.Upload(rm);
        var brv = s.Upload(rv);
        var by = s.Filled(x.Length, float.NaN);
        Backend.BatchNormForwardInference(n, c, hw, s.Upload(x), s.Upload(gamma), s.Upload(beta), brm, brv, eps, by);
        TestData.AssertClose(BatchNormReference.ForwardInference(n, c, hw, x, gamma, beta, rm, rv, eps), Download(by), 1e-5f, 1e-5f);
        // Eval mode leaves the running statistics alone.
        Assert.Equal(rm, Download(brm));
        Assert.Equal(rv, Download(brv));
    }

    [BackendFact]
    public void BatchNorm_rejects_short_buffers_and_single_values()
    {
        using var s = new Scope(this);
        var x = s.Filled(24, 1);
        var y = s.Filled(24, 0);
        var ch = s.Filled(4, 1);
        var shortCh = s.Filled(3, 1);
        var e = Assert.Throws<BackendException>(() =>
            Backend.BatchNormForwardTraining(2, 4, 3, x, shortCh, ch, y, ch, ch, 0.1f, 1e-5f, ch, ch));
        Assert.Contains("gamma", e.Message);
        Assert.Contains("BatchNormForwardTraining", e.Message);
        Assert.Throws<BackendException>(() =>
            Backend.BatchNormForwardTraining(2, 4, 4, x, ch, ch, y, ch, ch, 0.1f, 1e-5f, ch, ch));
        Assert.Throws<BackendException>(() =>
            Backend.BatchNormForwardTraining(1, 4, 1, x, ch, ch, y, ch, ch, 0.1f, 1e-5f, ch, ch));
        Assert.Throws<BackendException>(() => Backend.BatchNormForwardInference(2, 4, 3, x, ch, ch, ch, shortCh, 1e-5f, y));
        Assert.Throws<BackendException>(() => Backend.BatchNormBackward(2, 4, 3, x, y, ch, ch, ch, s.Filled(20, 0), ch, ch));
    }
}
