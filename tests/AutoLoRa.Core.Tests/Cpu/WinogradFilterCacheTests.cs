using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// Transformed Winograd filters (and the sub-pixel phase filters and GEMM-packed filters) kept across calls
/// (the attack's iterations): the same weights are transformed once, any change to them is transformed again, and the results are those of a
/// fresh transform bit for bit.
/// </summary>
[Collection(AloneCollection.Name)] // counts warm calls' allocations on its thread
[Trait("Backend", "cpu")]
public sealed class WinogradFilterCacheTests : IDisposable
{
    // The fixed rule runs this shape by Winograd in every pass, so each call below meets the cache.
    private static readonly ConvGeometry Shape = new(2, 16, 8, 8, 32, 3, 3, 1, 1, 1, 1);

    private readonly CpuBackend _backend = new() { Autotune = false };

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void The_same_weights_are_transformed_once_and_a_weight_update_is_transformed_again()
    {
        var g = Shape;
        float[] x = TestData.Uniform(g.InputSize, 71), w = TestData.Uniform(g.FilterSize, 72), dy = TestData.Uniform(g.OutputSize, 73);
        var bx = Up(x);
        var bw = Up(w);
        var bdy = Up(dy);
        float[] first = Forward(bx, bw);
        var (hits, misses) = _backend.WinogradFilterReuse;
        float[] again = Forward(bx, bw);
        Assert.Equal((hits + 1, misses), _backend.WinogradFilterReuse);
        Assert.Equal(first, again);
        float[] dx = DataGradient(bdy, bw);
        Assert.Equal((hits + 1, misses + 1), _backend.WinogradFilterReuse); // the flipped filter is another U
        Assert.Equal(dx, DataGradient(bdy, bw));
        Assert.Equal((hits + 2, misses + 1), _backend.WinogradFilterReuse);

        // A weight update in place (as an optimizer makes), even of one value: transformed again, and right.
        w[^1] += 0.25f;
        _backend.Upload(w, bw);
        float[] updated = Forward(bx, bw);
        Assert.Equal((hits + 2, misses + 2), _backend.WinogradFilterReuse);
        float atol = 2e-5f * MathF.Sqrt(9 * Math.Max(g.C, g.K));
        TestData.AssertClose(ConvReference.Forward(g, x, w, null), updated, 1e-4f, atol, "forward after a weight update");
        TestData.AssertClose(ConvReference.BackwardData(g, dy, w), DataGradient(bdy, bw), 1e-4f, atol, "data gradient after a weight update");
        Assert.Equal((hits + 2, misses + 3), _backend.WinogradFilterReuse);
        foreach (var b in new[] { bx, bw, bdy }) b.Release();
    }

    [Fact]
    public void Results_equal_those_of_a_backend_that_keeps_nothing()
    {
        using var plain = new CpuBackend { Autotune = false, WinogradFilterCacheBytes = 0 };
        var g = Shape;
        float[] x = TestData.Uniform(g.InputSize, 81);
        var weights = Enumerable.Range(0, 3).Select(i => TestData.Uniform(g.FilterSize, 82 + i)).ToArray();
        var bx = Up(x);
        var bws = weights.Select(Up).ToArray();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < weights.Length; i++)
            {
                var px = plain.Allocate(x.Length);
                plain.Upload(x, px);
                var pw = plain.Allocate(weights[i].Length);
                plain.Upload(weights[i], pw);
                var py = plain.Allocate(g.OutputSize);
                plain.Conv2dForward(g, px, pw, null, py);
                var expected = new float[g.OutputSize];
                plain.Download(py, expected);
                Assert.Equal(expected, Forward(bx, bws[i]));
                foreach (var b in new[] { px, pw, py }) b.Release();
            }
        }
        Assert.Equal(0, plain.WinogradFilterReuse.Hits); // every call transformed
        var (hits, misses) = _backend.WinogradFilterReuse;
        Assert.Equal(3, misses); // the three filters once each
        Assert.Equal(6, hits);
        foreach (var b in bws.Append(bx)) b.Release();
    }

    [Fact]
    public void The_sub_pixel_phase_filters_are_kept_apart_from_a_same_shaped_winograd_filter_and_gathered_again_after_an_update()
    {
        // A stride-2 layer with Shape's filter shape (K 32, C 16): the same weights make a Winograd U and sub-pixel phase filters.
        var g = new ConvGeometry(2, 16, 9, 8, 32, 3, 3, 2, 2, 1, 1);
        float[] x = TestData.Uniform(Shape.InputSize, 101), w = TestData.Uniform(g.FilterSize, 102), dy = TestData.Uniform(g.OutputSize, 103);
        var bx = Up(x);
        var bw = Up(w);
        var bdy = Up(dy);
        Forward(bx, bw);
        var (hits, misses) = _backend.WinogradFilterReuse;
        float[] SubPixel()
        {
            _backend.ConvolutionOverride = ConvAlgorithm.SubPixel;
            try
            {
                var dx = _backend.Allocate(g.InputSize);
                _backend.Fill(dx, float.NaN);
                _backend.Conv2dBackwardData(g, bdy, bw, dx);
                var result = new float[g.InputSize];
                _backend.Download(dx, result);
                dx.Release();
                return result;
            }
            finally
            {
                _backend.ConvolutionOverride = null;
            }
        }

        float[] first = SubPixel();
        Assert.Equal((hits, misses + 1), _backend.WinogradFilterReuse); // not the Winograd U of the same weights
        TestData.AssertClose(ConvReference.BackwardData(g, dy, w), first, 1e-4f, 1e-4f, "sub-pixel data gradient");
        Assert.Equal(first, SubPixel());
        Assert.Equal((hits + 1, misses + 1), _backend.WinogradFilterReuse);
        w[0] -= 0.5f;
        _backend.Upload(w, bw);
        TestData.AssertClose(ConvReference.BackwardData(g, dy, w), SubPixel(), 1e-4f, 1e-4f, "sub-pixel data gradient after a weight update");
        Assert.Equal((hits + 1, misses + 2), _backend.WinogradFilterReuse);
        foreach (var b in new[] { bx, bw, bdy }) b.Release();
    }

    [Theory]
    [InlineData("gemm", ConvPass.Forward)]
    [InlineData("gemm-padded", ConvPass.Forward)]
    [InlineData("sub-pixel", ConvPass.DataGradient)]
    public void The_gemm_filter_packed_whole_is_packed_once_per_weight_version(string name, ConvPass pass)
    {
        Assert.True(ConvAlgorithmNames.TryParse(name, out var algorithm));
        // 20 input channels (the sub-pixel filters' rows) and 20 output channels: short micro-panels of rows.
        var g = new ConvGeometry(3, 20, 9, 8, 20, 3, 3, 2, 2, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 111), w = TestData.Uniform(g.FilterSize, 112), dy = TestData.Uniform(g.OutputSize, 113);
        var bx = Up(x);
        var bw = Up(w);
        var bdy = Up(dy);
        float[] Run()
        {
            _backend.ConvolutionOverride = algorithm;
            try
            {
                int size = pass == ConvPass.Forward ? g.OutputSize : g.InputSize;
                var o = _backend.Allocate(size);
                _backend.Fill(o, float.NaN);
                if (pass == ConvPass.Forward) _backend.Conv2dForward(g, bx, bw, null, o);
                else _backend.Conv2dBackwardData(g, bdy, bw, o);
                var result = new float[size];
                _backend.Download(o, result);
                o.Release();
                return result;
            }
            finally
            {
                _backend.ConvolutionOverride = null;
            }
        }

        float[] Reference() => pass == ConvPass.Forward ? ConvReference.Forward(g, x, w, null) : ConvReference.BackwardData(g, dy, w);

        var (hits, misses) = _backend.WinogradFilterReuse;
        float[] first = Run();
        Assert.Equal((hits, misses + 1), _backend.WinogradFilterReuse);
        TestData.AssertClose(Reference(), first, 1e-4f, 1e-4f, name);
        Assert.Equal(first, Run());
        Assert.Equal((hits + 1, misses + 1), _backend.WinogradFilterReuse);
        w[^1] += 0.25f;
        _backend.Upload(w, bw);
        TestData.AssertClose(Reference(), Run(), 1e-4f, 1e-4f, $"{name} after a weight update");
        Assert.Equal((hits + 1, misses + 2), _backend.WinogradFilterReuse);
        foreach (var b in new[] { bx, bw, bdy }) b.Release();
    }

    [Fact]
    public void A_filter_of_several_compared_chunks_is_recognised_whole_and_any_changed_bit_in_any_chunk_is_a_miss()
    {
        // 96 × 96 × 9 = 82,944 floats: compared and copied in two chunks (65,536 and 17,408 floats).
        var g = new ConvGeometry(1, 96, 4, 4, 96, 3, 3, 1, 1, 1, 1);
        float[] x = TestData.Uniform(g.InputSize, 101), w = TestData.Uniform(g.FilterSize, 102);
        w[1000] = 0f;
        var bx = Up(x);
        var bw = Up(w);
        var y = _backend.Allocate(g.OutputSize);
        float[] Run()
        {
            _backend.Conv2dForward(g, bx, bw, null, y);
            var result = new float[g.OutputSize];
            _backend.Download(y, result);
            return result;
        }

        Run();
        Run();
        var (hits, misses) = _backend.WinogradFilterReuse;

        // One value in the second chunk; then −0 for +0 in the first (equal as floats, not as bits).
        foreach (var (index, value) in new[] { (g.FilterSize - 1, w[^1] + 0.25f), (1000, -0f) })
        {
            w[index] = value;
            _backend.Upload(w, bw);
            float[] changed = Run();
            Assert.Equal((hits, misses + 1), _backend.WinogradFilterReuse);
            Assert.Equal(changed, Run()); // the slot now holds the changed filter: a hit, with the same bits
            Assert.Equal((hits + 1, misses + 1), _backend.WinogradFilterReuse);
            (hits, misses) = (hits + 1, misses + 1);
            TestData.AssertClose(ConvReference.Forward(g, x, w, null), changed, 1e-4f, 2e-5f * MathF.Sqrt(9 * 96), $"after w[{index}] = {value}");
        }
        foreach (var b in new[] { bx, bw, y }) b.Release();
    }

    [Fact]
    public void More_filters_of_one_shape_than_slots_reuse_the_slots_without_allocating()
    {
        var g = Shape;
        var bx = Up(TestData.Uniform(g.InputSize, 91));
        var bws = Enumerable.Range(0, 6).Select(i => Up(TestData.Uniform(g.FilterSize, 92 + i))).ToArray();
        foreach (var bw in bws) Forward(bx, bw);
        var y = _backend.Allocate(g.OutputSize);
        foreach (var bw in bws) _backend.Conv2dForward(g, bx, bw, null, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 2; round++)
        {
            foreach (var bw in bws) _backend.Conv2dForward(g, bx, bw, null, y);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        foreach (var b in bws.Append(bx).Append(y)) b.Release();
    }

    private float[] Forward(DeviceBuffer x, DeviceBuffer w)
    {
        var y = _backend.Allocate(Shape.OutputSize);
        _backend.Conv2dForward(Shape, x, w, null, y);
        var result = new float[Shape.OutputSize];
        _backend.Download(y, result);
        y.Release();
        return result;
    }

    private float[] DataGradient(DeviceBuffer dy, DeviceBuffer w)
    {
        var dx = _backend.Allocate(Shape.InputSize);
        _backend.Conv2dBackwardData(Shape, dy, w, dx);
        var result = new float[Shape.InputSize];
        _backend.Download(dx, result);
        dx.Release();
        return result;
    }

    private DeviceBuffer Up(float[] data)
    {
        var b = _backend.Allocate(data.Length);
        _backend.Upload(data, b);
        return b;
    }
}
