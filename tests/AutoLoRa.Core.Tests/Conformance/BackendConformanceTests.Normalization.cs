using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
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
