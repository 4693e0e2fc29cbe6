using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Reference;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
    // n, c, h, w, kernel, stride, pad
    [BackendTheory]
    [InlineData(2, 3, 9, 9, 3, 2, 1)] // the ResNet stem's 3×3/2 pad 1
    [InlineData(1, 1, 8, 6, 2, 2, 0)]
    [InlineData(3, 2, 7, 10, 3, 1, 1)] // overlapping windows, rectangular
    [InlineData(2, 2, 5, 5, 4, 3, 2)] // even kernel with padding
    [InlineData(4, 16, 32, 32, 3, 2, 1)] // large enough to split over planes
    public void Pooling_matches_reference(int n, int c, int h, int w, int kernel, int stride, int pad)
    {
        var g = new PoolGeometry(n, c, h, w, kernel, stride, pad);
        float[] x = TestData.Uniform(g.InputSize, 61);
        float[] dy = TestData.Uniform(g.OutputSize, 62);
        var (ey, earg) = PoolReference.MaxForward(g, x);
        string at = g.ToString();

        using var s = new Scope(this);
        var bx = s.Upload(x);
        var bdy = s.Upload(dy);
        var by = s.Filled(g.OutputSize, float.NaN);
        var barg = s.Add(Backend.Allocate(g.OutputSize, DType.Int32));
        var bdx = s.Filled(g.InputSize, float.NaN);

        Backend.MaxPool2dForward(g, bx, by, barg);
        Assert.Equal(ey, Download(by));
        Assert.Equal(earg, DownloadInts(barg));
        Backend.MaxPool2dBackward(g, bdy, barg, bdx);
        TestData.AssertClose(PoolReference.MaxBackward(g, earg, dy), Download(bdx), 1e-6f, 1e-6f, $"max backward {at}");

        Backend.AvgPool2dForward(g, bx, by);
        TestData.AssertClose(PoolReference.AvgForward(g, x), Download(by), 1e-5f, 1e-6f, $"avg forward {at}");
        Backend.Fill(bdx, float.NaN);
        Backend.AvgPool2dBackward(g, bdy, bdx);
        TestData.AssertClose(PoolReference.AvgBackward(g, dy), Download(bdx), 1e-5f, 1e-6f, $"avg backward {at}");
    }

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

    [BackendTheory]
    [InlineData(2, 3, 16)]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 49)]
    public void GlobalAvgPool_matches_reference(int n, int c, int hw)
    {
        float[] x = TestData.Uniform(n * c * hw, 71);
        float[] dy = TestData.Uniform(n * c, 72);
        var ey = new float[n * c];
        var edx = new float[n * c * hw];
        for (int p = 0; p < n * c; p++)
        {
            double sum = 0;
            for (int i = 0; i < hw; i++) sum += x[p * hw + i];
            ey[p] = (float)(sum / hw);
            for (int i = 0; i < hw; i++) edx[p * hw + i] = dy[p] / hw;
        }
        using var s = new Scope(this);
        var y = s.Filled(n * c, float.NaN);
        var dx = s.Filled(n * c * hw, float.NaN);
        Backend.GlobalAvgPoolForward(n, c, hw, s.Upload(x), y);
        Backend.GlobalAvgPoolBackward(n, c, hw, s.Upload(dy), dx);
        TestData.AssertClose(ey, Download(y), 1e-5f, 1e-6f);
        TestData.AssertClose(edx, Download(dx), 1e-6f, 1e-7f);
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
        Assert.Throws<BackendException>(() => Backend.AvgPool2dBackward(g, y, s.Filled(g.InputSize - 1, 0)));
        Backend.Upload(Enumerable.Repeat(64, g.OutputSize).ToArray(), arg);
        e = Assert.Throws<BackendException>(() => Backend.MaxPool2dBackward(g, y, arg, x));
        Assert.Contains("argmax", e.Message);
        Assert.Throws<BackendException>(() => Backend.GlobalAvgPoolForward(2, 3, 4, s.Filled(23, 0), s.Filled(6, 0)));
        Assert.Throws<BackendException>(() => Backend.GlobalAvgPoolBackward(2, 3, 4, s.Filled(5, 0), s.Filled(24, 0)));
    }
}
