namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>Mean over each channel plane: (N, C, H, W) → (N, C).</summary>
    public static Tensor GlobalAvgPool(Tensor x)
    {
        const string op = "global_avg_pool";
        var backend = x.Backend;
        RequireRank(op, x, 4, "(N, C, H, W)");
        int n = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        var y = Tensor.Empty(backend, new Shape(n, c));
        backend.GlobalAvgPoolForward(n, c, hw, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], default(GlobalAvgPoolBackward));
    }

    /// <summary>Max pooling with a square window (e.g. 3×3, stride 2, padding 1 in ImageNet stems).</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride, int padding = 0)
    {
        const string op = "max_pool2d";
        var backend = x.Backend;
        var g = PoolGeometryOf(op, x, kernel, stride, padding);
        var y = Tensor.Empty(backend, new Shape(g.N, g.C, g.OutH, g.OutW));
        var argmax = Tensor.Empty(backend, y.Shape, DType.Int32);
        backend.MaxPool2dForward(g, x.Buffer, y.Buffer, argmax.Buffer);
        return GradMode.Record(y, op, [x], new MaxPool2dBackward(g, argmax));
    }

    /// <summary>Average pooling with a square window; padded zeros count in the divisor (PyTorch's default).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int stride, int padding = 0)
    {
        const string op = "avg_pool2d";
        var backend = x.Backend;
        var g = PoolGeometryOf(op, x, kernel, stride, padding);
        var y = Tensor.Empty(backend, new Shape(g.N, g.C, g.OutH, g.OutW));
        backend.AvgPool2dForward(g, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new AvgPool2dBackward(g));
    }

    private static PoolGeometry PoolGeometryOf(string op, Tensor x, int kernel, int stride, int padding)
    {
        RequireRank(op, x, 4, "(N, C, H, W)");
        var g = new PoolGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernel, stride, padding);
        g.Validate();
        return g;
    }

    /// <summary>dx = dy / (H·W) spread over each plane.</summary>
    private readonly struct GlobalAvgPoolBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.GlobalAvgPoolBackward(x.Shape[0], x.Shape[1], x.Shape[2] * x.Shape[3], gy.Buffer, grads[0]!.Buffer);
        }
    }

    /// <summary>dx = dy routed to each window's saved arg-max.</summary>
    private readonly struct MaxPool2dBackward(PoolGeometry g, Tensor argmax) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.MaxPool2dBackward(g, gy.Buffer, argmax.Buffer, grads[0]!.Buffer);
        }
    }

    /// <summary>dx = dy spread evenly over each window.</summary>
    private readonly struct AvgPool2dBackward(PoolGeometry g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.AvgPool2dBackward(g, x.Buffer, gy.Buffer, grads[0]!.Buffer);
        }
    }
}
