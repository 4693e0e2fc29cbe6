using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using static AutoLoRa.Core.Tests.Support.CpuBuffers;
using AutoLoRa.Cpu;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The channel-blocked filter gradient against the reference on shapes chosen to hit its edges:
/// channels off the 16-lane input blocks and the 8-channel output blocks, planes whose pixel count
/// is not a multiple of 16 (the copies' one-at-a-time tails), non-square and 5×5 filters, padding 0
/// to 2, strides 1 to 3, batch 1, and batches that take several chunks per worker (the padded
/// borders must stay zero from chunk to chunk).
/// </summary>
[Trait("Backend", "cpu")]
public sealed class BlockedFilterGradientTests
{
    // n, c, h, w, k, r, s, stride, pad
    [Theory]
    [InlineData(1, 3, 7, 9, 3, 3, 3, 1, 0)]
    [InlineData(1, 5, 9, 7, 3, 3, 3, 2, 1)]
    [InlineData(2, 17, 6, 5, 19, 3, 3, 2, 0)]
    [InlineData(3, 20, 10, 11, 40, 3, 3, 1, 1)] // 40 output channels: two 16-channel transposes and an 8-channel tail
    [InlineData(2, 33, 8, 8, 9, 1, 1, 2, 0)]
    [InlineData(1, 16, 16, 16, 32, 1, 1, 2, 0)]
    [InlineData(2, 7, 12, 13, 11, 1, 3, 1, 1)]
    [InlineData(2, 9, 11, 10, 6, 5, 5, 3, 2)]
    [InlineData(5, 16, 16, 20, 16, 3, 3, 1, 1)] // 320 pixels per image: one image per chunk, three chunks on one worker
    [InlineData(9, 32, 4, 4, 64, 3, 3, 1, 1)] // 16 pixels per image: several images per chunk, a short last chunk
    public void Matches_the_reference(int n, int c, int h, int w, int k, int r, int s, int stride, int pad)
    {
        var g = new ConvGeometry(n, c, h, w, k, r, s, stride, stride, pad, pad);
        using var backend = new CpuBackend { ConvolutionOverride = ConvAlgorithm.Blocked };
        float[] x = TestData.Uniform(g.InputSize, 61), dy = TestData.Uniform(g.OutputSize, 62);
        var dw = Run(backend, g.FilterSize, (b, o) => b.Conv2dBackwardFilter(g, Up(b, x), Up(b, dy), o));
        TestData.AssertClose(ConvReference.BackwardFilter(g, x, dy), dw, 1e-3f, 1e-4f, $"blocked {g}");
    }

    [Fact]
    public void A_smaller_shape_after_a_larger_one_reads_no_stale_scratch_and_a_repeat_allocates_nothing()
    {
        using var backend = new CpuBackend { ConvolutionOverride = ConvAlgorithm.Blocked };
        var large = new ConvGeometry(4, 40, 12, 12, 24, 3, 3, 1, 1, 1, 1);
        var small = new ConvGeometry(3, 5, 7, 6, 3, 3, 3, 1, 1, 1, 1);
        float[] lx = TestData.Uniform(large.InputSize, 71), ldy = TestData.Uniform(large.OutputSize, 72);
        float[] sx = TestData.Uniform(small.InputSize, 73), sdy = TestData.Uniform(small.OutputSize, 74);
        Run(backend, large.FilterSize, (b, o) => b.Conv2dBackwardFilter(large, Up(b, lx), Up(b, ldy), o));
        var first = Run(backend, small.FilterSize, (b, o) => b.Conv2dBackwardFilter(small, Up(b, sx), Up(b, sdy), o));
        TestData.AssertClose(ConvReference.BackwardFilter(small, sx, sdy), first, 1e-3f, 1e-4f, "after a larger shape");
        long allocations = backend.ConvScratchAllocations;
        var again = Run(backend, small.FilterSize, (b, o) => b.Conv2dBackwardFilter(small, Up(b, sx), Up(b, sdy), o));
        Assert.Equal(allocations, backend.ConvScratchAllocations);
        // Partials are added in worker order: the same bits every run.
        Assert.Equal(first, again);
    }
}
