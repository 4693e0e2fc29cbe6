using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cpu;

/// <summary>
/// Bilinear resizing, one (n, c) plane per work item. The backward pass scatters each output's
/// gradient to its four taps in output order within a plane, so it needs no atomics and its sums
/// do not depend on the thread count.
/// </summary>
public sealed partial class CpuBackend
{
    protected override void ResizeBilinearForwardCore(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        ForPlanes(g.N * g.C, Math.Max(g.InputSize, g.OutputSize), new ResizeForwardWork { G = g, X = Floats(x), Y = Floats(y) });
    }

    protected override void ResizeBilinearBackwardCore(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        ForPlanes(g.N * g.C, Math.Max(g.InputSize, g.OutputSize), new ResizeBackwardWork { G = g, Dy = Floats(dy), Dx = Floats(dx) });
    }

    private struct ResizeForwardWork : IParallelWork
    {
        public ResizeGeometry G;
        public float[] X, Y;

        public readonly void Execute(int p)
        {
            int outW = G.OutW;
            var x = X.AsSpan(p * G.H * G.W, G.H * G.W);
            var y = Y.AsSpan(p * G.OutH * outW, G.OutH * outW);
            float scaleH = G.ScaleH, scaleW = G.ScaleW;
            for (int oy = 0; oy < G.OutH; oy++)
            {
                var (r0, r1, rw0, rw1) = ResizeGeometry.Taps(scaleH, oy, G.H);
                var top = x.Slice(r0 * G.W, G.W);
                var bottom = x.Slice(r1 * G.W, G.W);
                var row = y.Slice(oy * outW, outW);
                for (int ox = 0; ox < outW; ox++)
                {
                    // Recomputing the column taps per row costs less than a table per plane would allocate.
                    var (c0, c1, cw0, cw1) = ResizeGeometry.Taps(scaleW, ox, G.W);
                    row[ox] = rw0 * (cw0 * top[c0] + cw1 * top[c1]) + rw1 * (cw0 * bottom[c0] + cw1 * bottom[c1]);
                }
            }
        }
    }

    private struct ResizeBackwardWork : IParallelWork
    {
        public ResizeGeometry G;
        public float[] Dy, Dx;

        public readonly void Execute(int p)
        {
            int outW = G.OutW;
            var dx = Dx.AsSpan(p * G.H * G.W, G.H * G.W);
            var dy = Dy.AsSpan(p * G.OutH * outW, G.OutH * outW);
            dx.Clear();
            float scaleH = G.ScaleH, scaleW = G.ScaleW;
            for (int oy = 0; oy < G.OutH; oy++)
            {
                var (r0, r1, rw0, rw1) = ResizeGeometry.Taps(scaleH, oy, G.H);
                var top = dx.Slice(r0 * G.W, G.W);
                var bottom = dx.Slice(r1 * G.W, G.W);
                var row = dy.Slice(oy * outW, outW);
                for (int ox = 0; ox < outW; ox++)
                {
                    var (c0, c1, cw0, cw1) = ResizeGeometry.Taps(scaleW, ox, G.W);
                    float t = rw0 * row[ox], b = rw1 * row[ox];
                    top[c0] += cw0 * t;
                    top[c1] += cw1 * t;
                    bottom[c0] += cw0 * b;
                    bottom[c1] += cw1 * b;
                }
            }
        }
    }
}
