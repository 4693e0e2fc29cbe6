using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
    [BackendFact]
    public void ResizeBilinear_2x2_to_4x4_gives_the_hand_computed_values()
    {
        // Along each axis scale = 2/4 and s = max(0.5·(d + ½) − ½, 0) = 0, 0.25, 0.75, 1.25 for
        // d = 0..3: taps (0,1) with weights (1,0), (¾,¼), (¼,¾), and (1,1) clamped at the edge, so a
        // row [a, b] becomes [a, ¾a + ¼b, ¼a + ¾b, b]. PyTorch's F.interpolate(..., (4, 4),
        // mode='bilinear', align_corners=False) of [[1, 2], [3, 4]] prints the same 16 numbers.
        float[] expected =
        [
            1.00f, 1.25f, 1.75f, 2.00f,
            1.50f, 1.75f, 2.25f, 2.50f,
            2.50f, 2.75f, 3.25f, 3.50f,
            3.00f, 3.25f, 3.75f, 4.00f,
        ];
        using var s = new Scope(this);
        var y = s.Filled(16, float.NaN);
        Backend.ResizeBilinearForward(new ResizeGeometry(1, 1, 2, 2, 4, 4), s.Upload(new float[] { 1, 2, 3, 4 }), y);
        Assert.Equal(expected, Download(y));

        // The gradient of Σ y is each input's total weight: by symmetry 4 for every input.
        var dx = s.Filled(4, float.NaN);
        Backend.ResizeBilinearBackward(new ResizeGeometry(1, 1, 2, 2, 4, 4), s.Upload(Enumerable.Repeat(1f, 16).ToArray()), dx);
        Assert.Equal(new float[] { 4, 4, 4, 4 }, Download(dx));
    }

    [BackendFact]
    public void ResizeBilinear_2x3_to_3x5_gives_the_hand_computed_values()
    {
        // Columns: scale 3/5, s = 0 (clamped), 0.4, 1.0, 1.6, 2.2 → [a, .6a+.4b, b, .4b+.6c, c]
        // (the last clamps i1 to 2). Rows: scale 2/3, s = 0, 0.5, 1.1667 → [r0, (r0+r1)/2, r1].
        float[] expected =
        [
            0.0f, 0.4f, 1.0f, 1.6f, 2.0f,
            1.5f, 1.9f, 2.5f, 3.1f, 3.5f,
            3.0f, 3.4f, 4.0f, 4.6f, 5.0f,
        ];
        using var s = new Scope(this);
        var y = s.Filled(15, float.NaN);
        Backend.ResizeBilinearForward(new ResizeGeometry(1, 1, 2, 3, 3, 5), s.Upload(new float[] { 0, 1, 2, 3, 4, 5 }), y);
        TestData.AssertClose(expected, Download(y), 1e-6f, 1e-6f, "2x3 -> 3x5");
    }

    [BackendFact]
    public void ResizeBilinear_rejects_bad_geometry_and_short_buffers()
    {
        var g = new ResizeGeometry(2, 3, 4, 4, 8, 8);
        using var s = new Scope(this);
        var x = s.Filled(g.InputSize, 0);
        var y = s.Filled(g.OutputSize, 0);
        Assert.Throws<ArgumentException>(() => Backend.ResizeBilinearForward(g with { OutW = 0 }, x, y));
        var e = Assert.Throws<BackendException>(() => Backend.ResizeBilinearForward(g, x, s.Filled(g.OutputSize - 1, 0)));
        Assert.Contains("ResizeBilinearForward: y", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.ResizeBilinearBackward(g, y, s.Filled(g.InputSize - 1, 0)));
        Assert.Contains("ResizeBilinearBackward: dx", e.Message);
    }
}
