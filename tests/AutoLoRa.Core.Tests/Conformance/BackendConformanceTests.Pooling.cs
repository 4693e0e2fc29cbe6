using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
    [BackendFact]
    public void MaxPool_ties_take_the_first_maximum_and_padding_never_wins()
    {
        // 3×3/2 pad 1 over a 4×4 plane of negative values with ties: padding (−∞) must lose to
        // every real value, and of equal values the first in row-major order wins.
        var g = new PoolGeometry(1, 1, 4, 4, 3, 2, 1);
        float[] x =
        [
            -5, -1, -1, -7,
            -1, -9, -3, -3,
            -8, -8, -2, -6,
            -4, -2, -2, -6,
        ];
        using var s = new Scope(this);
        var y = s.Filled(4, 0);
        var arg = s.Add(Backend.Allocate(4, DType.Int32));
        Backend.MaxPool2dForward(g, s.Upload(x), y, arg);
        // windows: rows/cols [-1,2) × [-1,2), [-1,2) × [1,4), [1,4) × [-1,2), [1,4) × [1,4)
        Assert.Equal(new float[] { -1, -1, -1, -2 }, Download(y));
        Assert.Equal(new[] { 1, 1, 4, 10 }, DownloadInts(arg));

        // Two outputs sharing a winner: the gradient accumulates at it and is zero elsewhere.
        var dx = s.Filled(16, float.NaN);
        Backend.MaxPool2dBackward(g, s.Upload(new float[] { 1, 2, 3, 4 }), arg, dx);
        var expected = new float[16];
        expected[1] = 3;
        expected[4] = 3;
        expected[10] = 4;
        Assert.Equal(expected, Download(dx));
    }

    [BackendFact]
    public void AvgPool_counts_padding_in_the_divisor()
    {
        var g = new PoolGeometry(1, 1, 2, 2, 3, 1, 1);
        using var s = new Scope(this);
        var y = s.Filled(4, 0);
        Backend.AvgPool2dForward(g, s.Upload(new float[] { 9, 9, 9, 9 }), y);
        // Every 3×3 window sees all four 9s and five padded zeros.
        Assert.Equal(new float[] { 4, 4, 4, 4 }, Download(y));
    }

    [BackendFact]
    public void Pooling_rejects_bad_geometry_short_buffers_and_bad_argmax()
    {
        var g = new PoolGeometry(2, 3, 8, 8, 3, 2, 1);
        using var s = new Scope(this);
        var x = s.Filled(g.InputSize, 0);
        var y = s.Filled(g.OutputSize, 0);
        var arg = s.Add(Backend.Allocate(g.OutputSize, DType.Int32));
        Assert.Throws<ArgumentException>(() => Backend.MaxPool2dForward(g with { Pad = 2 }, x, y, arg));
        Assert.Throws<ArgumentException>(() => Backend.AvgPool2dForward(g with { Stride = 0 }, x, y));
        var e = Assert.Throws<BackendException>(() => Backend.MaxPool2dForward(g, x, s.Filled(g.OutputSize - 1, 0), arg));
        Assert.Contains("MaxPool2dForward", e.Message);
        Assert.Throws<BackendException>(() => Backend.MaxPool2dForward(g, x, y, s.Filled(g.OutputSize, 0)));
        Assert.Throws<BackendException>(() => Backend.AvgPool2dBackward(g, x, y, s.Filled(g.InputSize - 1, 0)));
        Assert.Throws<BackendException>(() => Backend.AvgPool2dBackward(g, y, y, x));
        Backend.Upload(Enumerable.Repeat(64, g.OutputSize).ToArray(), arg);
        e = Assert.Throws<BackendException>(() => Backend.MaxPool2dBackward(g, y, arg, x));
        Assert.Contains("argmax", e.Message);
        Assert.Throws<BackendException>(() => Backend.GlobalAvgPoolForward(2, 3, 4, s.Filled(23, 0), s.Filled(6, 0)));
        Assert.Throws<BackendException>(() => Backend.GlobalAvgPoolBackward(2, 3, 4, s.Filled(5, 0), s.Filled(24, 0)));
    }
}
