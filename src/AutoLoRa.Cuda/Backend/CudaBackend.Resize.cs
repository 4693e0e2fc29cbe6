using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>Resizing on our kernels (kernels/resize.cu: bilinear, or nearest as its one-tap case); the scales are computed here once, as the CPU backend computes them.</summary>
public sealed unsafe partial class CudaBackend
{
    private static int Nearest(in ResizeGeometry g) => g.Mode == ResizeMode.Nearest ? 1 : 0;

    /// <inheritdoc/>
    protected override void ResizeBilinearForwardCore(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y) =>
        _kernels.ResizeBilinearF32(Ptr(x), Ptr(y), g.N * g.C, g.H, g.W, g.OutH, g.OutW, g.ScaleH, g.ScaleW, Nearest(g));

    /// <inheritdoc/>
    protected override void ResizeBilinearBackwardCore(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx) =>
        _kernels.ResizeBilinearBackwardF32(Ptr(dy), Ptr(dx), g.N * g.C, g.H, g.W, g.OutH, g.OutW, g.ScaleH, g.ScaleW, Nearest(g));
}
