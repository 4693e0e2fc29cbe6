using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using static AutoLoRa.Core.Tests.Support.CpuBuffers;
using AutoLoRa.Cpu;
using AutoLoRa.Cpu.Convolution;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The convolutions' output stages (residual add, ReLU; in the data gradient an addend and a ReLU
/// mask) against the composition they replace — the plain convolution by the same algorithm, then
/// the streaming primitives — for every algorithm that can run each shape, forced one at a time.
/// The same algorithm sums the same products in the same order, and the stage rounds the same
/// single additions, so the results are equal bit for bit.
/// </summary>
[Trait("Backend", "cpu")]
public sealed class ConvEpilogueTests
{
    // n, c, h, w, k, stride, kernel: between them every algorithm of both passes (Winograd's three
    // schedules with whole and clipped tiles and 16-wide quads, direct, GEMM per image and per group,
    // GEMM + Col2Im, sub-pixel and gemm-spread for the strided data gradient, direct into few channels and from few inputs, the shortcut's direct forward), and ResNet's 1×1 projection.
    [Theory]
    [InlineData(2, 16, 8, 16, 32, 1, 3)]
    [InlineData(2, 16, 6, 6, 16, 1, 3)]
    [InlineData(5, 16, 16, 16, 16, 1, 3)]
    [InlineData(1, 16, 13, 32, 16, 1, 3)] // Winograd quads whose last tile row stores one row
    [InlineData(1, 16, 9, 11, 16, 1, 3)] // 9×11: clipped tiles both ways, 11-wide rows (a transpose tail)
    [InlineData(2, 5, 16, 16, 11, 2, 3)]
    [InlineData(2, 16, 8, 16, 16, 1, 1)]
    [InlineData(3, 8, 7, 9, 8, 2, 1)]
    // Odd shapes with 3 channels and batch 1: sub-pixel (its stage on the interleaved planes), direct-row-pairs
    // (8-pixel rows, stride 2 and 1) and gemm-spread (its stage on the spread images, by vectors at 67 columns).
    [InlineData(1, 3, 7, 9, 5, 2, 3)]
    [InlineData(1, 3, 15, 16, 5, 2, 3)]
    [InlineData(1, 3, 8, 8, 5, 1, 3)]
    [InlineData(1, 3, 9, 67, 4, 2, 1)]
    [InlineData(70, 3, 7, 8, 5, 2, 1)]
    [InlineData(2, 3, 4, 4, 7, 1, 3)] // direct-row-pairs on AVX2: 4-pixel rows
    // direct-few-channels: forward from 3 channels into 5 (a short last block) and the data gradient into 3 (one 128-pixel
    // tile); forward and data gradient with 3 and 2 channels and a last tile overlapping the one before.
    [InlineData(1, 3, 8, 16, 5, 1, 3)]
    [InlineData(2, 2, 9, 16, 3, 1, 3)]
    // direct-few-inputs (also in the two above): 3 → 16 with the stage on 3-vector tiles across rows, the last overlapping.
    [InlineData(2, 3, 32, 32, 16, 1, 3)]
    // pointwise-direct: bias and stage from the tiles' writer, with 64- and 16-pixel planes (odd vector counts per group).
    [InlineData(3, 5, 8, 32, 8, 2, 1)]
    [InlineData(5, 9, 8, 8, 24, 2, 1)]
    public void Every_algorithm_applies_the_stage_as_the_composition_does(int n, int c, int h, int w, int k, int stride, int kernel)
    {
        var g = new ConvGeometry(n, c, h, w, k, kernel, kernel, stride, stride, kernel / 2, kernel / 2);
        using var backend = new CpuBackend { ChoiceCache = new ConvChoiceCache(null, "test", TextWriter.Null) };
        var x = Up(backend, TestData.Uniform(g.InputSize, 61));
        var wt = Up(backend, TestData.Uniform(g.FilterSize, 62));
        var bias = Up(backend, TestData.Uniform(k, 63));
        var residual = Up(backend, TestData.Uniform(g.OutputSize, 64));
        var dy = Up(backend, TestData.Uniform(g.OutputSize, 65));
        var addend = Up(backend, TestData.Uniform(g.InputSize, 66));
        // A ReLU's output as the mask: zero at about half the elements.
        var mask = Up(backend, TestData.Uniform(g.InputSize, 67).Select(v => MathF.Max(v, 0f)).ToArray());
        int outputs = g.OutputSize, inputs = g.InputSize;
        foreach (var algorithm in backend.ConvolutionCandidates(g, ConvPass.Forward))
        {
            backend.ConvolutionOverride = algorithm;
            foreach (var (withResidual, relu) in new[] { (true, true), (true, false), (false, true) })
            {
                var fused = Run(backend, outputs, (b, o) => b.Conv2dForwardFused(g, x, wt, bias, withResidual ? residual : null, relu, o));
                var composed = Run(backend, outputs, (b, o) =>
                {
                    b.Conv2dForward(g, x, wt, bias, o);
                    if (withResidual && relu) b.AddRelu(outputs, o, residual, o);
                    else if (withResidual) b.Axpby(outputs, 1f, o, 1f, residual, o);
                    else b.Relu(outputs, o, o);
                });
                Assert.True(composed.AsSpan().SequenceEqual(fused), $"{algorithm.Name()} forward residual={withResidual} relu={relu} {g}");
                if (relu) Assert.Contains(fused, v => v == 0f);
            }
        }
        foreach (var algorithm in backend.ConvolutionCandidates(g, ConvPass.DataGradient))
        {
            backend.ConvolutionOverride = algorithm;
            foreach (var (withAddend, withMask) in new[] { (true, true), (true, false), (false, true) })
            {
                var fused = Run(backend, inputs, (b, o) => b.Conv2dBackwardDataFused(g, dy, wt, withAddend ? addend : null, withMask ? mask : null, o));
                var composed = Run(backend, inputs, (b, o) =>
                {
                    b.Conv2dBackwardData(g, dy, wt, o);
                    if (withAddend) b.Axpby(inputs, 1f, o, 1f, addend, o);
                    if (withMask) b.ReluBackward(inputs, mask, o, o);
                });
                Assert.True(composed.AsSpan().SequenceEqual(fused), $"{algorithm.Name()} data gradient addend={withAddend} mask={withMask} {g}");
            }
        }
    }

    [Fact]
    public void The_output_may_not_alias_what_the_stage_reads()
    {
        var g = new ConvGeometry(1, 2, 4, 4, 2, 3, 3, 1, 1, 1, 1);
        using var backend = new CpuBackend();
        var x = Up(backend, TestData.Uniform(g.InputSize, 1));
        var wt = Up(backend, TestData.Uniform(g.FilterSize, 2));
        var y = Up(backend, TestData.Uniform(g.OutputSize, 3));
        var e = Assert.Throws<BackendException>(() => backend.Conv2dForwardFused(g, x, wt, null, y, true, y));
        Assert.Contains("residual", e.Message);
        e = Assert.Throws<BackendException>(() => backend.Conv2dBackwardDataFused(g, y, wt, null, x, x));
        Assert.Contains("mask", e.Message);
        var shortResidual = Up(backend, new float[g.OutputSize - 1]);
        Assert.Throws<BackendException>(() => backend.Conv2dForwardFused(g, x, wt, null, shortResidual, true, y));
    }
}
