using System.Numerics.Tensors;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cpu;

/// <summary>
/// Pooling, one (n, c) plane per work item. Max pooling follows PyTorch: padding is −∞ so it never
/// wins, the first maximum in a window wins ties, a NaN wins over numbers, and argmax is the index
/// h·W + w inside the input plane. Average pooling divides by Kernel² (padded zeros count).
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Below this many elements a pooling call stays on the calling thread.</summary>
    private const long PoolingParallelThreshold = 1 << 15;

    protected override void MaxPool2dForwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax)
    {
        ForPlanes(g, new MaxPoolForwardWork { G = g, X = Floats(x), Y = Floats(y), ArgMax = Ints(argmax) });
    }

    protected override void MaxPool2dBackwardCore(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx)
    {
        // Validate every index up front so a corrupt argmax is reported, not written through.
        var idx = Ints(argmax).AsSpan(0, g.N * g.C * g.OutH * g.OutW);
        int plane = g.H * g.W;
        for (int i = 0; i < idx.Length; i++)
        {
            if ((uint)idx[i] >= (uint)plane) throw new BackendException($"{nameof(MaxPool2dBackward)}: argmax[{i}] = {idx[i]} is outside the {g.H}x{g.W} input plane ({g}).");
        }
        ForPlanes(g, new MaxPoolBackwardWork { G = g, Dy = Floats(dy), ArgMax = Ints(argmax), Dx = Floats(dx) });
    }

    protected override void AvgPool2dForwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        ForPlanes(g, new AvgPoolForwardWork { G = g, X = Floats(x), Y = Floats(y) });
    }

    protected override void AvgPool2dBackwardCore(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        ForPlanes(g, new AvgPoolBackwardWork { G = g, Dy = Floats(dy), Dx = Floats(dx) });
    }

    protected override void GlobalAvgPoolForwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        var xs = Floats(x);
        var ys = Floats(y);
        float inv = 1f / hw;
        for (int p = 0; p < n * c; p++) ys[p] = (float)BlockSum(xs.AsSpan(p * hw, hw)) * inv;
    }

    protected override void GlobalAvgPoolBackwardCore(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        var dys = Floats(dy);
        var dxs = Floats(dx);
        float inv = 1f / hw;
        for (int p = 0; p < n * c; p++) dxs.AsSpan(p * hw, hw).Fill(dys[p] * inv);
    }

    private static void ForPlanes<TWork>(in PoolGeometry g, TWork work) where TWork : struct, IParallelWork =>
        ForPlanes(g.N * g.C, g.InputSize, work);

    /// <summary>work.Execute(p) for every plane, on the pool once <paramref name="elements"/> make it pay.</summary>
    private static void ForPlanes<TWork>(int planes, long elements, TWork work) where TWork : struct, IParallelWork
    {
        if (elements < PoolingParallelThreshold) for (int p = 0; p < planes; p++) work.Execute(p);
        else CpuParallel.For(planes, work);
    }

    /// <summary>The input rows (or columns) [lo, hi) that window <paramref name="o"/> covers, clipped to the plane.</summary>
    private static (int Lo, int Hi) Window(int o, in PoolGeometry g, int size)
    {
        int start = o * g.Stride - g.Pad;
        return (Math.Max(start, 0), Math.Min(start + g.Kernel, size));
    }

    private struct MaxPoolForwardWork : IParallelWork
    {
        public PoolGeometry G;
        public float[] X, Y;
        public int[] ArgMax;

        public readonly void Execute(int p)
        {
            int outH = G.OutH, outW = G.OutW;
            var x = X.AsSpan(p * G.H * G.W, G.H * G.W);
            int o = p * outH * outW;
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Window(oh, G, G.H);
                for (int ow = 0; ow < outW; ow++, o++)
                {
                    var (w0, w1) = Window(ow, G, G.W);
                    // Every window holds at least one input pixel (Validate: Pad ≤ Kernel/2).
                    int best = h0 * G.W + w0;
                    float max = float.NegativeInfinity;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++)
                        {
                            float v = x[h * G.W + w];
                            if (v > max || float.IsNaN(v))
                            {
                                max = v;
                                best = h * G.W + w;
                                if (float.IsNaN(v)) goto done;
                            }
                        }
                    }
                done:
                    Y[o] = x[best];
                    ArgMax[o] = best;
                }
            }
        }
    }

    private struct MaxPoolBackwardWork : IParallelWork
    {
        public PoolGeometry G;
        public float[] Dy, Dx;
        public int[] ArgMax;

        public readonly void Execute(int p)
        {
            int outPlane = G.OutH * G.OutW;
            var dx = Dx.AsSpan(p * G.H * G.W, G.H * G.W);
            dx.Clear();
            int o = p * outPlane;
            for (int i = 0; i < outPlane; i++) dx[ArgMax[o + i]] += Dy[o + i];
        }
    }

    private struct AvgPoolForwardWork : IParallelWork
    {
        public PoolGeometry G;
        public float[] X, Y;

        public readonly void Execute(int p)
        {
            int outH = G.OutH, outW = G.OutW;
            var x = X.AsSpan(p * G.H * G.W, G.H * G.W);
            float inv = 1f / (G.Kernel * G.Kernel);
            int o = p * outH * outW;
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Window(oh, G, G.H);
                for (int ow = 0; ow < outW; ow++, o++)
                {
                    var (w0, w1) = Window(ow, G, G.W);
                    float sum = 0;
                    for (int h = h0; h < h1; h++) sum += TensorPrimitives.Sum(x.Slice(h * G.W + w0, w1 - w0));
                    Y[o] = sum * inv;
                }
            }
        }
    }

    private struct AvgPoolBackwardWork : IParallelWork
    {
        public PoolGeometry G;
        public float[] Dy, Dx;

        public readonly void Execute(int p)
        {
            int outH = G.OutH, outW = G.OutW;
            var dx = Dx.AsSpan(p * G.H * G.W, G.H * G.W);
            dx.Clear();
            float inv = 1f / (G.Kernel * G.Kernel);
            int o = p * outH * outW;
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Window(oh, G, G.H);
                for (int ow = 0; ow < outW; ow++, o++)
                {
                    var (w0, w1) = Window(ow, G, G.W);
                    float share = Dy[o] * inv;
                    for (int h = h0; h < h1; h++)
                    {
                        var row = dx.Slice(h * G.W + w0, w1 - w0);
                        TensorPrimitives.Add(row, share, row);
                    }
                }
            }
        }
    }
}
