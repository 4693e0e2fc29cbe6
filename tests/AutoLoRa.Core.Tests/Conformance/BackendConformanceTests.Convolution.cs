using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

public abstract partial class BackendConformanceTests
{
    [BackendFact]
    public void Conv2d_gradients_are_adjoint_to_forward()
    {
        // <conv(x), dy> = <x, dx(dy)> and = <w, dw(x, dy)>: a reference-free check of both gradients.
        var g = new ConvGeometry(2, 3, 7, 6, 4, 3, 3, 2, 2, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 11);
        float[] wt = TestData.Uniform(g.FilterSize, 12);
        float[] dy = TestData.Uniform(g.OutputSize, 13);
        using var s = new Scope(this);
        var by = s.Filled(g.OutputSize, 0);
        var bdx = s.Filled(g.InputSize, 0);
        var bdw = s.Filled(g.FilterSize, 0);
        Backend.Conv2dForward(g, s.Upload(x), s.Upload(wt), null, by);
        Backend.Conv2dBackwardData(g, s.Upload(dy), s.Upload(wt), bdx);
        Backend.Conv2dBackwardFilter(g, s.Upload(x), s.Upload(dy), bdw);
        double yDy = Dot(Download(by), dy), xDx = Dot(x, Download(bdx)), wDw = Dot(wt, Download(bdw));
        Assert.Equal(yDy, xDx, 1e-3);
        Assert.Equal(yDy, wDw, 1e-3);
    }

    [BackendFact]
    public void Fused_convolutions_equal_the_convolution_then_the_streaming_primitives()
    {
        // y = relu(conv(x) + bias + r); dx = (conv_backward_data(dy) + a) ⊙ [m > 0]: the output stages of a residual block in eval mode.
        var g = new ConvGeometry(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 21), wt = TestData.Uniform(g.FilterSize, 22), bias = TestData.Uniform(g.K, 23);
        float[] r = TestData.Uniform(g.OutputSize, 24), dy = TestData.Uniform(g.OutputSize, 25), a = TestData.Uniform(g.InputSize, 26);
        float[] m = TestData.Uniform(g.InputSize, 27).Select(v => MathF.Max(v, 0f)).ToArray();
        using var s = new Scope(this);
        var fused = s.Filled(g.OutputSize, float.NaN);
        Backend.Conv2dForwardFused(g, s.Upload(x), s.Upload(wt), s.Upload(bias), s.Upload(r), true, fused);
        var plain = s.Filled(g.OutputSize, float.NaN);
        Backend.Conv2dForward(g, s.Upload(x), s.Upload(wt), s.Upload(bias), plain);
        var composed = s.Filled(g.OutputSize, float.NaN);
        Backend.AddRelu(g.OutputSize, plain, s.Upload(r), composed);
        TestData.AssertClose(Download(composed), Download(fused), 1e-6f, 1e-6f, "forward");

        var dxFused = s.Filled(g.InputSize, float.NaN);
        Backend.Conv2dBackwardDataFused(g, s.Upload(dy), s.Upload(wt), s.Upload(a), s.Upload(m), dxFused);
        var dx = s.Filled(g.InputSize, float.NaN);
        Backend.Conv2dBackwardData(g, s.Upload(dy), s.Upload(wt), dx);
        var sum = s.Filled(g.InputSize, float.NaN);
        Backend.Axpby(g.InputSize, 1f, dx, 1f, s.Upload(a), sum);
        var masked = s.Filled(g.InputSize, float.NaN);
        Backend.ReluBackward(g.InputSize, s.Upload(m), sum, masked);
        TestData.AssertClose(Download(masked), Download(dxFused), 1e-6f, 1e-6f, "data gradient");
    }

    [BackendFact]
    public void Conv2d_rejects_bad_geometry_and_short_buffers()
    {
        var g = new ConvGeometry(2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1);
        using var s = new Scope(this);
        var x = s.Filled(g.InputSize, 0);
        var w = s.Filled(g.FilterSize, 0);
        var y = s.Filled(g.OutputSize, 0);

        Assert.Throws<ArgumentException>(() => Backend.Conv2dForward(g with { K = 0 }, x, w, null, y));
        Assert.Throws<ArgumentException>(() => Backend.Conv2dForward(g with { R = 11, PadH = 1 }, x, w, null, y));
        Assert.Throws<ArgumentException>(() => Backend.Conv2dBackwardFilter(g with { StrideH = 0 }, x, y, w));

        var shortX = s.Filled(g.InputSize - 1, 0);
        var e = Assert.Throws<BackendException>(() => Backend.Conv2dForward(g, shortX, w, null, y));
        Assert.Contains("Conv2dForward", e.Message);
        Assert.Contains($"expected {g.InputSize}", e.Message);

        var shortBias = s.Filled(g.K - 1, 0);
        Assert.Throws<BackendException>(() => Backend.Conv2dForward(g, x, w, shortBias, y));
        var shortDx = s.Filled(g.InputSize - 5, 0);
        e = Assert.Throws<BackendException>(() => Backend.Conv2dBackwardData(g, y, w, shortDx));
        Assert.Contains("dx", e.Message);
        var shortDw = s.Filled(g.FilterSize - 1, 0);
        e = Assert.Throws<BackendException>(() => Backend.Conv2dBackwardFilter(g, x, y, shortDw));
        Assert.Contains("dw", e.Message);
        var ints = Backend.Allocate(g.FilterSize, DType.Int32);
        s.Add(ints);
        Assert.Throws<BackendException>(() => Backend.Conv2dForward(g, x, ints, null, y));
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    /// <summary>Buffers of one test, released together.</summary>
    protected sealed class Scope(BackendConformanceTests owner) : IDisposable
    {
        private readonly List<DeviceBuffer> _buffers = [];

        public DeviceBuffer Upload(float[] data) => Add(owner.Upload(data));

        public DeviceBuffer Upload(int[] data) => Add(owner.Upload(data));

        public DeviceBuffer Filled(int length, float value)
        {
            var buffer = Add(owner.Backend.Allocate(length));
            owner.Backend.Fill(buffer, value);
            return buffer;
        }

        public DeviceBuffer Add(DeviceBuffer buffer)
        {
            _buffers.Add(buffer);
            return buffer;
        }

        public void Dispose()
        {
            foreach (var b in _buffers) b.Release();
        }
    }
}
