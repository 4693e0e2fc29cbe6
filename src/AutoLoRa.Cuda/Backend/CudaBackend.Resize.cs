using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>Bilinear resizing on our kernels (kernels/resize.cu); the scales are computed here once, as the CPU backend computes them.</summary>
public sealed unsafe partial class CudaBackend
{
    public void ResizeBilinearForward(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.ResizeBilinearForward(g, x, y);
        ulong px = Ptr(x), py = Ptr(y);
        int planes = g.N * g.C, h = g.H, w = g.W, oh = g.OutH, ow = g.OutW;
        float sh = g.ScaleH, sw = g.ScaleW;
        void** args = stackalloc void*[] { &px, &py, &planes, &h, &w, &oh, &ow, &sh, &sw };
        Launch("resize_bilinear_f32", (long)planes * oh * ow, args);
    }

    public void ResizeBilinearBackward(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.ResizeBilinearBackward(g, dy, dx);
        ulong pdy = Ptr(dy), pdx = Ptr(dx);
        int planes = g.N * g.C, h = g.H, w = g.W, oh = g.OutH, ow = g.OutW;
        float sh = g.ScaleH, sw = g.ScaleW;
        void** args = stackalloc void*[] { &pdy, &pdx, &planes, &h, &w, &oh, &ow, &sh, &sw };
        Launch("resize_bilinear_backward_f32", (long)planes * h * w, args);
    }
}
