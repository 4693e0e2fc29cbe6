using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Cpu.Simd;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>CPU-backend details the conformance suite cannot see: algorithm choice, image grouping, GEMM splitting, scratch reuse and the blocked filter gradient's edge shapes.</summary>
[Trait("Backend", "cpu")]
public sealed class CpuConvolutionTests : IDisposable
{
    // The scheduling-path shapes below target the exact algorithms as the fixed rule chooses them (without
    // autotuning, which could pick another path); Winograd has its own tests, every candidate ConvAutotuneTests.
    private readonly CpuBackend _backend = new() { Winograd = false, Autotune = false };
    private readonly CpuBackend _winograd = new() { Autotune = false };

    public void Dispose()
    {
        _backend.Dispose();
        _winograd.Dispose();
    }

    // n, c, h, w, k, pad: shapes for Winograd F(4×4, 3×3) — forward, the data gradient as a forward of the flipped,
    // transposed filter, and the filter gradient summed over tiles in the transformed domain.
    [Theory]
    [InlineData(2, 16, 8, 8, 16, 1)] // four tiles per image, one block run by one core
    [InlineData(3, 32, 16, 12, 48, 1)] // 48 output channels: a 32-channel and a 16-channel multiply block
    [InlineData(1, 16, 4, 4, 32, 1)] // one tile: the multiply's row of 8 mostly cleared padding
    [InlineData(2, 16, 10, 6, 16, 0)] // no padding
    [InlineData(13, 16, 16, 16, 16, 1)] // blocks of 5 images run by each core alone, the last one short
    [InlineData(15, 64, 16, 16, 64, 1)] // big filter: blocks of 11 and 4 images shared by all cores stage by stage
    [InlineData(3, 16, 7, 7, 32, 1)] // 7×7 output: the last tile row and column reach past it
    [InlineData(2, 32, 14, 10, 16, 1)] // 14×10: partial tiles one way only in each direction
    [InlineData(2, 16, 9, 13, 16, 0)] // 7×11 without padding
    [InlineData(2, 16, 14, 32, 48, 1)] // 14×32: four-tile output quads with a last, two-row tile row
    [InlineData(1, 16, 19, 34, 16, 0)] // batch 1, 17×32 unpadded: quads with a last one-row tile row, 34-wide input rows (a transpose tail)
    [InlineData(1, 32, 11, 48, 16, 1)] // batch 1, three quads per tile row, a last three-row tile row
    public void Winograd_matches_the_reference(int n, int c, int h, int w, int k, int pad)
    {
        var g = new ConvGeometry(n, c, h, w, k, 3, 3, 1, 1, pad, pad);
        var run = RunAll(_winograd, g, 41, withBias: true);
        // Sums of 9·C products of values in [-1, 1]: an absolute tolerance scaled by √(9·C) covers the transforms' rounding.
        float atol = 2e-5f * MathF.Sqrt(9 * Math.Max(c, k));
        TestData.AssertClose(ConvReference.Forward(g, run.X, run.W, run.Bias), run.Y, 1e-4f, atol, $"Winograd forward {g}");
        TestData.AssertClose(ConvReference.BackwardData(g, run.Dy, run.W), run.Dx, 1e-4f, atol, $"Winograd data gradient {g}");
        // Each tap sums N·OutH·OutW products, accumulated in the transformed domain.
        float filterAtol = 2e-5f * MathF.Sqrt(g.N * g.OutH * g.OutW);
        TestData.AssertClose(ConvReference.BackwardFilter(g, run.X, run.Dy), run.Dw, 1e-4f, filterAtol, $"Winograd filter gradient {g}");
    }

    [Fact]
    public void Winograd_applies_only_where_its_vectors_fit_and_tiles_waste_little()
    {
        Assert.True(WinogradConvolution.Applies(new ConvGeometry(1, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1)));
        Assert.False(WinogradConvolution.Applies(new ConvGeometry(1, 3, 8, 8, 16, 3, 3, 1, 1, 1, 1))); // a stem: 3 channels
        Assert.False(WinogradConvolution.Applies(new ConvGeometry(1, 16, 8, 8, 16, 3, 3, 2, 2, 1, 1))); // strided
        Assert.True(WinogradConvolution.Applies(new ConvGeometry(1, 16, 7, 7, 16, 3, 3, 1, 1, 1, 1))); // 7×7: 8×8 of tiles, 1.31× the output
        Assert.False(WinogradConvolution.Applies(new ConvGeometry(1, 16, 6, 6, 16, 3, 3, 1, 1, 1, 1))); // 6×6: 8×8 of tiles, 1.78× the output
        Assert.False(WinogradConvolution.Applies(new ConvGeometry(1, 16, 8, 8, 16, 1, 1, 1, 1, 0, 0))); // 1×1
        // 24 channels are whole 8-lane vectors (AVX2) but not 16-lane ones (AVX-512).
        Assert.Equal(WinogradConvolution.Lanes == 8, WinogradConvolution.Applies(new ConvGeometry(1, 24, 8, 8, 24, 3, 3, 1, 1, 1, 1)));
    }

    [Theory]
    [InlineData(1)] // one image per GEMM
    [InlineData(2)] // groups of 2 and a final group of 1
    public void Filter_gradient_accumulates_over_image_groups(int imagesPerGroup)
    {
        var g = new ConvGeometry(5, 3, 6, 7, 4, 3, 3, 1, 2, 1, 1);
        _backend.ConvWideColumnBudget = (long)g.C * g.R * g.S * g.OutH * g.OutW * imagesPerGroup;
        float[] x = TestData.Uniform(g.InputSize, 21);
        float[] dy = TestData.Uniform(g.OutputSize, 22);
        var bx = Upload(x);
        var bdy = Upload(dy);
        var bdw = _backend.Allocate(g.FilterSize);
        _backend.Fill(bdw, float.NaN);
        _backend.Conv2dBackwardFilter(g, bx, bdy, bdw);
        var dw = new float[g.FilterSize];
        _backend.Download(bdw, dw);
        TestData.AssertClose(ConvReference.BackwardFilter(g, x, dy), dw, 1e-4f, 1e-4f, $"groups of {imagesPerGroup}");
    }

    // n, c, h, w, k, stride: shapes that reach the scheduling paths the small conformance shapes do not.
    [Theory]
    [InlineData(21, 3, 6, 6, 5, 1)] // P = 36: two groups of 14 and 7 images run on separate workers
    [InlineData(21, 3, 12, 12, 5, 2)] // the same through the strided data gradient (GEMM + Col2Im)
    [InlineData(1, 16, 32, 32, 16, 1)] // one image, P = 1024: the GEMM itself splits its columns over workers
    [InlineData(2, 8, 32, 32, 8, 2)] // one image per group, strided
    [InlineData(3, 3, 32, 32, 16, 1)] // direct convolution (AVX-512): a stem, whose data gradient has 3 channels
    [InlineData(2, 5, 16, 16, 11, 1)] // direct, with channel blocks short of 8 both ways and an odd tap count
    [InlineData(9, 4, 8, 16, 8, 1)] // direct filter gradient over chunks of images, the last one short
    [InlineData(3, 6, 6, 8, 10, 1)] // direct with 8-pixel rows (the 256-bit kernels)
    [InlineData(2, 5, 16, 16, 14, 1)] // direct forward in blocks of 6 + 4 + 4 channels on AVX2 (8 + 6 short with AVX-512)
    [InlineData(2, 5, 32, 32, 11, 2)] // direct stride 2 (phase-split padding), 16-pixel rows
    [InlineData(2, 4, 15, 16, 8, 2)] // direct stride 2, 8-pixel rows, odd height
    [InlineData(2, 6, 32, 32, 9, 2, 1)] // direct 1×1 stride-2 shortcut
    public void All_three_primitives_match_the_reference_on_every_scheduling_path(int n, int c, int h, int w, int k, int stride, int kernel = 3)
    {
        var g = new ConvGeometry(n, c, h, w, k, kernel, kernel, stride, stride, kernel / 2, kernel / 2);
        var run = RunAll(_backend, g, 31, withBias: false);
        TestData.AssertClose(ConvReference.Forward(g, run.X, run.W, null), run.Y, 1e-4f, 1e-4f, $"forward {g}");
        TestData.AssertClose(ConvReference.BackwardData(g, run.Dy, run.W), run.Dx, 1e-4f, 1e-4f, $"backward data {g}");
        TestData.AssertClose(ConvReference.BackwardFilter(g, run.X, run.Dy), run.Dw, 1e-3f, 1e-4f, $"backward filter {g}");
        float[] bias = TestData.Uniform(k, 34);
        float[] y = Compute(_backend, g.OutputSize, b => _backend.Conv2dForward(g, Upload(run.X), Upload(run.W), Upload(bias), b));
        TestData.AssertClose(ConvReference.Forward(g, run.X, run.W, bias), y, 1e-4f, 1e-4f, $"forward with bias {g}");
    }

    [Fact]
    public void Steady_state_calls_allocate_no_scratch()
    {
        var big = new ConvGeometry(4, 8, 12, 12, 8, 3, 3, 1, 1, 1, 1);
        var small = new ConvGeometry(4, 8, 12, 12, 16, 3, 3, 2, 2, 1, 1);
        var buffers = new List<DeviceBuffer>();
        void Step(ConvGeometry g)
        {
            var x = Alloc(g.InputSize, buffers);
            var w = Alloc(g.FilterSize, buffers);
            var y = Alloc(g.OutputSize, buffers);
            _backend.Conv2dForward(g, x, w, null, y);
            _backend.Conv2dBackwardData(g, y, w, x);
            _backend.Conv2dBackwardFilter(g, x, y, w);
        }
        Step(big);
        Step(small);
        long after = _backend.ConvScratchAllocations;
        Assert.True(after > 0);
        for (int i = 0; i < 3; i++)
        {
            Step(small);
            Step(big);
        }
        Assert.Equal(after, _backend.ConvScratchAllocations);
        foreach (var b in buffers) b.Release();
    }

    /// <summary>Inputs from seeds seed..seed+3 and what the three primitives made of them.</summary>
    private sealed record ConvRun(float[] X, float[] W, float[] Dy, float[]? Bias, float[] Y, float[] Dx, float[] Dw);

    private static ConvRun RunAll(CpuBackend backend, ConvGeometry g, int seed, bool withBias)
    {
        float[] x = TestData.Uniform(g.InputSize, seed);
        float[] w = TestData.Uniform(g.FilterSize, seed + 1);
        float[] dy = TestData.Uniform(g.OutputSize, seed + 2);
        float[]? bias = withBias ? TestData.Uniform(g.K, seed + 3) : null;
        float[] y = Compute(backend, g.OutputSize, b => backend.Conv2dForward(g, Upload(backend, x), Upload(backend, w), bias is null ? null : Upload(backend, bias), b));
        float[] dx = Compute(backend, g.InputSize, b => backend.Conv2dBackwardData(g, Upload(backend, dy), Upload(backend, w), b));
        float[] dw = Compute(backend, g.FilterSize, b => backend.Conv2dBackwardFilter(g, Upload(backend, x), Upload(backend, dy), b));
        return new ConvRun(x, w, dy, bias, y, dx, dw);
    }

    /// <summary>Runs a primitive into a fresh buffer filled with NaN (so an element it misses shows) and downloads it.</summary>
    private static float[] Compute(CpuBackend backend, int length, Action<DeviceBuffer> primitive)
    {
        var buffer = backend.Allocate(length);
        backend.Fill(buffer, float.NaN);
        primitive(buffer);
        var result = new float[length];
        backend.Download(buffer, result);
        buffer.Release();
        return result;
    }

    private DeviceBuffer Upload(float[] data) => Upload(_backend, data);

    private static DeviceBuffer Upload(CpuBackend backend, float[] data)
    {
        var b = backend.Allocate(data.Length);
        backend.Upload(data, b);
        return b;
    }

    private DeviceBuffer Alloc(int length, List<DeviceBuffer> owned)
    {
        var b = _backend.Allocate(length);
        _backend.Fill(b, 0.5f);
        owned.Add(b);
        return b;
    }

    // The channel-blocked filter gradient, forced, on shapes chosen to hit its edges: channels off the
    // 16-lane input blocks and the 8-channel output blocks, planes whose pixel count is not a multiple of
    // 16 (the copies' one-at-a-time tails), non-square and 5×5 filters, padding 0 to 2, strides 1 to 3,
    // batch 1, and batches that take several chunks per worker (the padded borders must stay zero from
    // chunk to chunk). n, c, h, w, k, r, s, stride, pad:
    [Theory]
    [InlineData(1, 3, 7, 9, 3, 3, 3, 1, 0)]
    [InlineData(1, 5, 9, 7, 3, 3, 3, 2, 1)]
    [InlineData(2, 17, 6, 5, 19, 3, 3, 2, 0)]
    [InlineData(3, 20, 10, 11, 40, 3, 3, 1, 1)] // 40 output channels: two 16-channel transposes and an 8-channel tail
    [InlineData(2, 33, 8, 8, 9, 1, 1, 2, 0)]
    [InlineData(1, 16, 16, 16, 32, 1, 1, 2, 0)]
    [InlineData(2, 7, 12, 13, 11, 1, 3, 1, 1)]
    [InlineData(2, 9, 11, 10, 6, 5, 5, 3, 2)]
    [InlineData(20, 16, 16, 20, 16, 3, 3, 1, 1)] // 320 pixels per image: one image per chunk, two or three chunks per share (two cores: 8 shares)
    [InlineData(72, 32, 6, 6, 24, 3, 3, 1, 1)] // 36 pixels per image: chunks of 8 images, shares of 9 on two cores (a short last chunk)
    public void Blocked_filter_gradient_matches_the_reference(int n, int c, int h, int w, int k, int r, int s, int stride, int pad)
    {
        var g = new ConvGeometry(n, c, h, w, k, r, s, stride, stride, pad, pad);
        using var backend = new CpuBackend { ConvolutionOverride = ConvAlgorithm.Blocked };
        float[] x = TestData.Uniform(g.InputSize, 61), dy = TestData.Uniform(g.OutputSize, 62);
        var dw = CpuBuffers.Run(backend, g.FilterSize, (b, o) => b.Conv2dBackwardFilter(g, CpuBuffers.Up(b, x), CpuBuffers.Up(b, dy), o));
        TestData.AssertClose(ConvReference.BackwardFilter(g, x, dy), dw, 1e-3f, 1e-4f, $"blocked {g}");
    }

    // Both kernels of the blocked filter gradient called directly on every machine, so an AVX-512 machine
    // checks the AVX2 kernel and its 4×4-transposing copies too, and one without AVX-512 the 16-lane kernel's
    // tiling and chunking: .NET computes Vector512 in software there, and the copies take their portable
    // path instead of the AVX-512 shuffles (which only an AVX-512 machine checks). n, c, h, w, k, r, s, stride, pad as above.
    [Theory]
    [InlineData(false, 1, 3, 7, 9, 3, 3, 3, 1, 0)]
    [InlineData(false, 2, 17, 6, 5, 19, 3, 3, 2, 0)] // 5-wide rows: one whole quad of pixels and a one-pixel tail
    [InlineData(false, 3, 20, 10, 11, 40, 3, 3, 1, 1)]
    [InlineData(false, 2, 33, 8, 8, 9, 1, 1, 2, 0)] // subsampled 1×1, channels straddling a quad
    [InlineData(false, 2, 6, 7, 9, 5, 1, 1, 2, 0)] // subsampled from odd rows: 5 output pixels, the fifth's pair cut off by the row's end
    [InlineData(false, 1, 16, 4, 18, 8, 1, 1, 2, 0)] // 9 output pixels per row: two whole fours and a tail
    [InlineData(false, 2, 9, 11, 10, 6, 5, 5, 3, 2)]
    [InlineData(false, 4, 16, 16, 16, 32, 3, 3, 1, 1)] // whole blocks everywhere
    [InlineData(true, 3, 20, 10, 11, 40, 3, 3, 1, 1)]
    [InlineData(true, 2, 9, 11, 10, 6, 5, 5, 3, 2)]
    [InlineData(true, 2, 33, 8, 8, 9, 1, 1, 2, 0)]
    [InlineData(true, 2, 6, 7, 9, 5, 1, 1, 2, 0)]
    public unsafe void Blocked_filter_gradient_kernels_match_the_reference(bool avx512, int n, int c, int h, int w, int k, int r, int s, int stride, int pad)
    {
        var g = new ConvGeometry(n, c, h, w, k, r, s, stride, stride, pad, pad);
        float[] x = TestData.Uniform(g.InputSize, 63), dy = TestData.Uniform(g.OutputSize, 64);
        var dw = Enumerable.Repeat(float.NaN, g.FilterSize).ToArray();
        fixed (float* px = x, pdy = dy, pdw = dw) BlockedFilterGradient.Compute(g, px, pdy, pdw, new ConvScratch(), avx512);
        TestData.AssertClose(ConvReference.BackwardFilter(g, x, dy), dw, 1e-3f, 1e-4f, $"blocked ({(avx512 ? "AVX-512" : "AVX2")}) {g}");
    }

    [Fact]
    public void Blocked_filter_gradient_after_a_larger_shape_reads_no_stale_scratch_and_a_repeat_allocates_nothing()
    {
        using var backend = new CpuBackend { ConvolutionOverride = ConvAlgorithm.Blocked };
        var large = new ConvGeometry(4, 40, 12, 12, 24, 3, 3, 1, 1, 1, 1);
        var small = new ConvGeometry(3, 5, 7, 6, 3, 3, 3, 1, 1, 1, 1);
        float[] lx = TestData.Uniform(large.InputSize, 71), ldy = TestData.Uniform(large.OutputSize, 72);
        float[] sx = TestData.Uniform(small.InputSize, 73), sdy = TestData.Uniform(small.OutputSize, 74);
        CpuBuffers.Run(backend, large.FilterSize, (b, o) => b.Conv2dBackwardFilter(large, CpuBuffers.Up(b, lx), CpuBuffers.Up(b, ldy), o));
        var first = CpuBuffers.Run(backend, small.FilterSize, (b, o) => b.Conv2dBackwardFilter(small, CpuBuffers.Up(b, sx), CpuBuffers.Up(b, sdy), o));
        TestData.AssertClose(ConvReference.BackwardFilter(small, sx, sdy), first, 1e-3f, 1e-4f, "after a larger shape");
        long allocations = backend.ConvScratchAllocations;
        var again = CpuBuffers.Run(backend, small.FilterSize, (b, o) => b.Conv2dBackwardFilter(small, CpuBuffers.Up(b, sx), CpuBuffers.Up(b, sdy), o));
        Assert.Equal(allocations, backend.ConvScratchAllocations);
        // Partials are added in share order, whichever core ran each share: the same bits every run.
        Assert.Equal(first, again);
    }
}
