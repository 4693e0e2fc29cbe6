namespace AutoLoRa.Core.Backends;

/// <summary>
/// Convolutions with an output stage: what a residual block in eval mode does around each
/// convolution (the residual add and ReLU after it; in the backward pass the ReLU mask of the
/// layer below and the residual branch's gradient) applied to the output while it is still hot,
/// instead of one more pass over the activations each. The defaults compose the plain convolution
/// with the streaming primitives, exactly as the unfused layers do; a backend that can apply the
/// stage inside its convolution's output tiles overrides them (the CPU backend does).
/// </summary>
public abstract partial class Backend
{
    /// <summary>
    /// y = conv(x, w) + bias (when given) + residual (when given, shaped as y), then max(·, 0)
    /// when <paramref name="relu"/>: the sum rounded once, as <see cref="Conv2dForward"/> followed by
    /// AddRelu round it. y must not alias x or residual.
    /// </summary>
    public void Conv2dForwardFused(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer? residual,
        bool relu, DeviceBuffer y)
    {
        PrimitiveChecks.Conv2dForwardFused(g, x, w, bias, residual, y);
        using var timer = Profile(nameof(Conv2dForwardFused));
        Conv2dForwardFusedCore(in g, x, w, bias, residual, relu, y);
    }

    /// <summary>
    /// This backend's <see cref="Conv2dForwardFused"/>, called once the arguments passed its checks;
    /// by default the convolution, then AddRelu, Axpby or Relu in place on y.
    /// </summary>
    protected virtual void Conv2dForwardFusedCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias,
        DeviceBuffer? residual, bool relu, DeviceBuffer y)
    {
        Conv2dForwardCore(in g, x, w, bias, y);
        int length = g.N * g.K * g.OutH * g.OutW;
        if (residual is not null && relu) AddReluCore(length, y, residual, y);
        else if (residual is not null) AxpbyCore(length, 1f, y, 1f, residual, y);
        else if (relu) ReluCore(length, y, y);
    }

    /// <summary>
    /// dx = conv_backward_data(dy; w) + addend (when given, shaped as dx), then kept only where
    /// mask (when given, shaped as dx: the output of the ReLU that produced the convolution's
    /// input) is positive, else 0 — the data gradient, a gradient arriving at x by another path,
    /// and the backward of the ReLU below, in one pass. dx must not alias dy, addend or mask.
    /// </summary>
    public void Conv2dBackwardDataFused(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer? addend, DeviceBuffer? mask,
        DeviceBuffer dx)
    {
        PrimitiveChecks.Conv2dBackwardDataFused(g, dy, w, addend, mask, dx);
        using var timer = Profile(nameof(Conv2dBackwardDataFused));
        Conv2dBackwardDataFusedCore(in g, dy, w, addend, mask, dx);
    }

    /// <summary>
    /// This backend's <see cref="Conv2dBackwardDataFused"/>, called once the arguments passed its
    /// checks; by default the data gradient, then Axpby and ReluBackward in place on dx.
    /// </summary>
    protected virtual void Conv2dBackwardDataFusedCore(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer? addend,
        DeviceBuffer? mask, DeviceBuffer dx)
    {
        Conv2dBackwardDataCore(in g, dy, w, dx);
        int length = g.N * g.C * g.H * g.W;
        if (addend is not null) AxpbyCore(length, 1f, dx, 1f, addend, dx);
        if (mask is not null) ReluBackwardCore(length, mask, dx, dx);
    }
}
