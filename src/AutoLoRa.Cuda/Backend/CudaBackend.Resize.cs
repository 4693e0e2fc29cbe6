using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>Bilinear resizing on our kernels (kernels/resize.cu); the scales are computed here once, as the CPU backend computes them.</summary>
public sealed unsafe partial class CudaBackend
{
    protected override void ResizeBilinearForwardCore(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        Resize("resize_bilinear_f32", g, x, y, (long)g.OutputSize);
    }

    protected override void ResizeBilinearBackwardCore(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        Resize("resize_bilinear_backward_f32", g, dy, dx, (long)g.InputSize);
    }

    /// <summary>Both kernels take (source, destination, planes, H, W, outH, outW, scaleH, scaleW); one thread per destination element.</summary>
    private void Resize(string kernel, in ResizeGeometry g, DeviceBuffer source, DeviceBuffer destination, long threads)
    {
        ulong ps = Ptr(source), pd = Ptr(destination);
        int planes = g.N * g.C, h = g.H, w = g.W, oh = g.OutH, ow = g.OutW;
        float sh = g.ScaleH, sw = g.ScaleW;
        void** args = stackalloc void*[] { &ps, &pd, &planes, &h, &w, &oh, &ow, &sh, &sw };
        Launch(kernel, threads, args);
    }
}
