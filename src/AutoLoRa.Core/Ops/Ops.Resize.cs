namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// Resize of (N, C, H, W) to (N, C, <paramref name="height"/>, <paramref name="width"/>), exactly
    /// PyTorch's <c>F.interpolate(x, size=(height, width), mode=…)</c> with <c>align_corners=False</c>
    /// for bilinear (see <see cref="ResizeGeometry"/>). Linear in x, so the input gradient is the transposed map.
    /// </summary>
    public static Tensor Resize(Tensor x, int height, int width, ResizeMode mode)
    {
        const string op = "resize";
        var backend = x.Backend;
        RequireRank(op, x, 4, "(N, C, H, W)");
        RequireFloat(op, x);
        var g = new ResizeGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], height, width, mode);
        g.Validate();
        var y = Tensor.Empty(backend, new Shape(g.N, g.C, height, width));
        backend.ResizeBilinearForward(g, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new ResizeBackward(g));
    }

    /// <summary>dx = the transposed resize map applied to dy.</summary>
    private readonly struct ResizeBackward(ResizeGeometry g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.ResizeBilinearBackward(g, gy.Buffer, grads[0]!.Buffer);
        }
    }
}
