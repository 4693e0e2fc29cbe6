using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>Backend.LinearForward, the fused x·Wᵀ + b, against its slow composition Gemm then AddBias.</summary>
public abstract partial class BackendConformanceTests
{
    /// <summary>
    /// Shapes that reach every path of a blocked GEMM's epilogue: partial tiles in both directions,
    /// several K steps (the bias must be added once, after the last), several column blocks, and
    /// C tall or wide enough to be cut along either axis when run in parallel.
    /// </summary>
    [BackendTheory]
    [InlineData(1, 3, 5)]
    [InlineData(13, 20, 37)]
    [InlineData(65, 600, 70)]
    [InlineData(300, 64, 40)]
    [InlineData(20, 48, 1100)]
    [InlineData(520, 192, 576)]
    public void LinearForward_equals_gemm_then_add_bias(int rows, int inFeatures, int outFeatures)
    {
        var x = TestData.Uniform(rows * inFeatures, 1);
        var w = TestData.Uniform(outFeatures * inFeatures, 2);
        var bias = TestData.Uniform(outFeatures, 3);
        using var s = new Scope(this);
        DeviceBuffer dx = s.Upload(x), dw = s.Upload(w), db = s.Upload(bias);
        // NaN first: the fused primitive must not read y.
        var fused = s.Filled(rows * outFeatures, float.NaN);
        var composed = s.Filled(rows * outFeatures, 0);
        Backend.LinearForward(rows, inFeatures, outFeatures, dx, dw, db, fused);
        Backend.Gemm(false, true, rows, outFeatures, inFeatures, 1f, dx, inFeatures, dw, inFeatures, 0f, composed, outFeatures);
        Backend.AddBias(rows, outFeatures, 1, composed, db);
        // Both add the bias to the finished sum, one rounding each, so they agree bit for bit.
        Assert.Equal(Download(composed), Download(fused));
    }

    [BackendFact]
    public void LinearForward_rejects_a_short_bias_naming_it()
    {
        const int rows = 4, inFeatures = 6, outFeatures = 5;
        using var s = new Scope(this);
        var e = Assert.Throws<BackendException>(() => Backend.LinearForward(rows, inFeatures, outFeatures, s.Filled(rows * inFeatures, 1),
            s.Filled(outFeatures * inFeatures, 1), s.Filled(outFeatures - 1, 0), s.Filled(rows * outFeatures, 0)));
        Assert.Contains("LinearForward: bias has 4 elements, expected 5", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.LinearForward(rows, inFeatures, outFeatures, s.Filled(rows * inFeatures, 1),
            s.Filled(outFeatures * inFeatures - 1, 1), s.Filled(outFeatures, 0), s.Filled(rows * outFeatures, 0)));
        Assert.Contains("LinearForward: w has 29 elements, expected 30", e.Message);
    }
}
