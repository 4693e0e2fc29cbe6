using AutoLoRa.Core.Backends;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Verify.Cases;

/// <summary>Pooling, global average pooling and bilinear resizing against the plain loops of <see cref="PoolReference"/> and <see cref="ResizeReference"/>.</summary>
public static class ImageReferenceCases
{
    /// <summary>The ResNet stem's 3×3/2 pad 1; overlapping rectangular windows; an even kernel with padding; one large enough to split over planes.</summary>
    public static readonly PoolGeometry[] Pools =
        [new(2, 3, 9, 9, 3, 2, 1), new(1, 1, 8, 6, 2, 2, 0), new(3, 2, 7, 10, 3, 1, 1), new(2, 2, 5, 5, 4, 3, 2), new(4, 16, 32, 32, 3, 2, 1)];

    /// <summary>The in-model upsampling at a 7× ratio; odd ratios; a downsample; a single pixel; the identity.</summary>
    public static readonly ResizeGeometry[] Resizes =
        [new(2, 3, 4, 4, 28, 28), new(1, 2, 5, 7, 9, 4), new(2, 1, 9, 9, 4, 4), new(1, 1, 1, 1, 3, 2), new(1, 2, 6, 5, 6, 5),
         new(2, 3, 4, 4, 28, 28, ResizeMode.Nearest), new(1, 2, 5, 7, 9, 4, ResizeMode.Nearest), new(2, 1, 9, 7, 4, 3, ResizeMode.Nearest)];

    private static readonly Tolerance Window = new(1e-5, 1e-6, "an average of a few window values in float against double");

    /// <summary>Max pooling (values and argmax exact) and its backward; average pooling and its backward.</summary>
    public static PrimitiveCase Pooling(PoolGeometry g)
    {
        float[] x = new SeededData(61).Uniform(g.InputSize), dy = new SeededData(62).Uniform(g.OutputSize);
        var c = new CaseBuffers();
        int bx = c.In(x), bdy = c.In(dy);
        int y = c.Out(g.OutputSize, Tolerance.Exact("a maximum is one of its inputs"), "max forward"), arg = c.IntOut(g.OutputSize, "argmax");
        int dx = c.Out(g.InputSize, new(1e-6, 1e-6, "at most a few gradients added at a shared winner"), "max backward");
        int avg = c.Out(g.OutputSize, Window, "avg forward"), avgDx = c.Out(g.InputSize, Window, "avg backward");
        return new()
        {
            Family = "pooling vs reference", Name = $"pooling {g}", Shape = $"{g}", Buffers = c,
            Run = (be, b) =>
            {
                be.MaxPool2dForward(g, b[bx], b[y], b[arg]);
                be.MaxPool2dBackward(g, b[bdy], b[arg], b[dx]);
                be.AvgPool2dForward(g, b[bx], b[avg]);
                be.AvgPool2dBackward(g, b[bx], b[bdy], b[avgDx]);
            },
            HostReference = _ =>
            {
                var (ey, earg) = PoolReference.MaxForward(g, x);
                return [ey, earg, PoolReference.MaxBackward(g, earg, dy), PoolReference.AvgForward(g, x), PoolReference.AvgBackward(g, dy)];
            },
        };
    }

    /// <summary>Global average pooling of each plane, and its backward (dy / hw spread over the plane).</summary>
    public static PrimitiveCase GlobalAvgPool(int n, int c, int hw)
    {
        float[] x = new SeededData(71).Uniform(n * c * hw), dy = new SeededData(72).Uniform(n * c);
        var cb = new CaseBuffers();
        int bx = cb.In(x), bdy = cb.In(dy);
        int y = cb.Out(n * c, Window, "global avg-pool"), dx = cb.Out(n * c * hw, new(1e-6, 1e-7, "one division per element"), "global avg-pool backward");
        return new()
        {
            Family = "pooling vs reference", Name = $"global avg-pool {n}×{c}×{hw}", Shape = $"{n}×{c}×{hw}", Buffers = cb,
            Run = (be, b) =>
            {
                be.GlobalAvgPoolForward(n, c, hw, b[bx], b[y]);
                be.GlobalAvgPoolBackward(n, c, hw, b[bdy], b[dx]);
            },
            HostReference = _ =>
            {
                var ey = new float[n * c];
                var edx = new float[n * c * hw];
                for (int p = 0; p < n * c; p++)
                {
                    double sum = 0;
                    for (int i = 0; i < hw; i++) sum += x[p * hw + i];
                    ey[p] = (float)(sum / hw);
                    for (int i = 0; i < hw; i++) edx[p * hw + i] = dy[p] / hw;
                }
                return [ey, edx];
            },
        };
    }

    /// <summary>Resize forward and backward (bilinear with align_corners = false, or nearest); the same size must be the identity, exactly.</summary>
    public static PrimitiveCase Resize(ResizeGeometry g)
    {
        float[] x = new SeededData(81).Uniform(g.InputSize), dy = new SeededData(82).Uniform(g.OutputSize);
        bool identity = g.H == g.OutH && g.W == g.OutW;
        var forward = identity || g.Mode == ResizeMode.Nearest ? Tolerance.Exact("one tap of weight 1 per output: a copy") : Window;
        var c = new CaseBuffers();
        int bx = c.In(x), bdy = c.In(dy);
        int y = c.Out(g.OutputSize, forward, "forward"), dx = c.Out(g.InputSize, new(1e-5, 1e-5, "each input gathers weighted gradients of many outputs"), "backward");
        return new()
        {
            Family = "resize vs reference", Name = $"resize {g}", Shape = $"{g}", Buffers = c,
            Run = (be, b) =>
            {
                be.ResizeBilinearForward(g, b[bx], b[y]);
                be.ResizeBilinearBackward(g, b[bdy], b[dx]);
            },
            HostReference = _ => [identity ? x : ResizeReference.Forward(g, x), ResizeReference.Backward(g, dy)],
        };
    }
}
