using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>Max and average pooling and bilinear resizing of NCHW batches, against the CPU backend.</summary>
public static class ImageCases
{
    /// <summary>3×3/2 with padding on an odd plane (ResNet's stem pool), and 2×2/2 without.</summary>
    public static readonly PoolGeometry[] Pools = [new(2, 3, 9, 7, 3, 2, 1), new(1, 4, 8, 8, 2, 2)];

    /// <summary>Upsampling as the in-model 32 → 224 resize does, an odd non-integer ratio, and a downsample.</summary>
    public static readonly ResizeGeometry[] Resizes =
        [new(2, 3, 8, 8, 56, 56), new(1, 2, 5, 7, 9, 4), new(1, 3, 9, 9, 4, 4), new(2, 3, 32, 32, 224, 224), new(3, 2, 17, 9, 5, 13)];

    private static readonly Tolerance Window = Tolerance.Scaled(1e-6, "a sum of at most nine window values or four bilinear taps: an ulp or two");

    /// <summary>
    /// Max pooling forward and backward in one case: the backward needs the forward's argmax, and a
    /// wrong index shows up in both. The maximum itself is exact.
    /// </summary>
    public static PrimitiveCase MaxPool(PoolGeometry g, int seed = 5)
    {
        var data = new SeededData(seed + g.InputSize);
        var c = new CaseBuffers();
        int x = c.In(data.Uniform(g.InputSize)), dy = c.In(data.Uniform(g.OutputSize));
        int y = c.Out(g.OutputSize, Tolerance.Exact("a maximum is one of its inputs"), "y"), arg = c.IntOut(g.OutputSize, "argmax");
        int dx = c.Out(g.InputSize, Window, "dx");
        return new()
        {
            Family = "max-pool", Name = $"maxpool {Describe(g)}", Shape = Describe(g), Buffers = c,
            Run = (be, b) =>
            {
                be.MaxPool2dForward(g, b[x], b[y], b[arg]);
                be.MaxPool2dBackward(g, b[dy], b[arg], b[dx]);
            },
            Cost = new([new("maxpool_forward_f32", g.InputSize, g.OutputSize), new("maxpool_backward_f32", g.OutputSize, g.InputSize)]),
        };
    }

    /// <summary>Average pooling forward and backward (cuDNN on a GPU).</summary>
    public static PrimitiveCase AvgPool(PoolGeometry g, int seed = 6)
    {
        var data = new SeededData(seed + g.InputSize);
        var c = new CaseBuffers();
        int x = c.In(data.Uniform(g.InputSize)), dy = c.In(data.Uniform(g.OutputSize));
        int y = c.Out(g.OutputSize, Window, "y"), dx = c.Out(g.InputSize, Window, "dx");
        return new()
        {
            Family = "avg-pool", Name = $"avgpool {Describe(g)}", Shape = Describe(g), Buffers = c,
            Run = (be, b) =>
            {
                be.AvgPool2dForward(g, b[x], b[y]);
                be.AvgPool2dBackward(g, b[x], b[dy], b[dx]);
            },
            Cost = CaseCost.Library(2L * (g.InputSize + g.OutputSize), 0),
        };
    }

    /// <summary>Bilinear resize forward, then backward (which scatters up to four taps per output with atomics).</summary>
    public static IEnumerable<PrimitiveCase> Resize(ResizeGeometry g, int seed = 7)
    {
        var data = new SeededData(seed + g.InputSize);
        string shape = $"{g.N}×{g.C}×{g.H}×{g.W} → {g.OutH}×{g.OutW}";
        var c = new CaseBuffers();
        int x = c.In(data.Uniform(g.InputSize, 0, 1)), y = c.Out(g.OutputSize, Window, "y");
        yield return new()
        {
            Family = "bilinear resize", Name = $"resize_bilinear_f32 {shape}", Shape = shape, Buffers = c,
            Run = (be, b) => be.ResizeBilinearForward(g, b[x], b[y]),
            Cost = CaseCost.Kernel("resize_bilinear_f32", g.InputSize, g.OutputSize),
        };
        c = new CaseBuffers();
        var gathered = Tolerance.Scaled(1e-5, "each input gathers weighted gradients of up to (out/in)² outputs, added in a different order");
        int dy = c.In(data.Uniform(g.OutputSize)), dx = c.Out(g.InputSize, gathered, "dx");
        yield return new()
        {
            Family = "bilinear resize", Name = $"resize_bilinear_backward_f32 {shape}", Shape = shape, Buffers = c,
            Run = (be, b) => be.ResizeBilinearBackward(g, b[dy], b[dx]),
            Cost = CaseCost.Kernel("resize_bilinear_backward_f32", g.OutputSize, g.InputSize),
        };
    }

    private static string Describe(PoolGeometry g) => $"{g.N}×{g.C}×{g.H}×{g.W} k{g.Kernel}/s{g.Stride}/p{g.Pad}";

    /// <summary>
    /// The pooling and resizing ops' backward rules, (kernel, stride, pad, h, w) per pooling case;
    /// max-pool on separated values (its gradient jumps at ties).
    /// </summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "image";
        foreach (var (k, s, p, h, w) in new[] { (3, 2, 1, 9, 7), (2, 2, 0, 6, 8), (3, 1, 1, 5, 5) })
        {
            yield return GradientCase.Of(family, $"max_pool2d 2x2x{h}x{w} k{k} s{s} p{p}", b => [Separated(b, new Shape(2, 2, h, w), 1)], t => Ops.MaxPool2d(t[0], k, s, p));
        }
        foreach (var (k, s, p, h, w) in new[] { (2, 2, 0, 6, 8), (3, 1, 1, 5, 5), (3, 2, 1, 7, 6) })
        {
            yield return GradientCase.Of(family, $"avg_pool2d 2x3x{h}x{w} k{k} s{s} p{p}", b => [Uniform(b, new Shape(2, 3, h, w), 1)], t => Ops.AvgPool2d(t[0], k, s, p));
        }
        // Upsampling by odd ratios, downsampling, and up in one axis with the other unchanged; nearest up and down.
        foreach (var (h, w, outH, outW) in new[] { (3, 4, 7, 9), (6, 5, 4, 3), (2, 2, 5, 2) })
        {
            yield return GradientCase.Of(family, $"resize_bilinear 2x3x{h}x{w} to {outH}x{outW}", b => [Uniform(b, new Shape(2, 3, h, w), 1)], t => Ops.Resize(t[0], outH, outW, ResizeMode.Bilinear));
        }
        foreach (var (h, w, outH, outW) in new[] { (3, 4, 7, 9), (6, 5, 4, 3) })
        {
            yield return GradientCase.Of(family, $"resize_nearest 2x3x{h}x{w} to {outH}x{outW}", b => [Uniform(b, new Shape(2, 3, h, w), 1)], t => Ops.Resize(t[0], outH, outW, ResizeMode.Nearest));
        }
    }
}
