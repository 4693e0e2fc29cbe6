using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// Bilinear resize of (N, C, H, W) to (N, C, <paramref name="height"/>, <paramref name="width"/>),
    /// exactly PyTorch's <c>F.interpolate(x, size=(height, width), mode='bilinear', align_corners=False)</c>
    /// (see <see cref="ResizeGeometry"/>). Linear in x, so the input gradient is the transposed map.
    /// </summary>
    public static Tensor ResizeBilinear(Tensor x, int height, int width)
    {
        const string op = "resize_bilinear";
        var backend = x.Backend;
        RequireRank(op, x, 4, "(N, C, H, W)");
        RequireFloat(op, x);
        var g = new ResizeGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], height, width);
        g.Validate();
        var y = Tensor.Empty(backend, new Shape(g.N, g.C, height, width));
        backend.ResizeBilinearForward(g, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new ResizeBilinearBackward(g));
    }

    /// <summary>dx = the transposed bilinear map applied to dy.</summary>
    private readonly struct ResizeBilinearBackward(ResizeGeometry g) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.ResizeBilinearBackward(g, gy.Buffer, grads[0]!.Buffer);
        }
    }
}
