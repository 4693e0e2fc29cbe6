using System.Numerics.Tensors;

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
        ForWindows(g, new MaxPoolForward { X = Floats(x), Y = Floats(y), ArgMax = Ints(argmax) });
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
        ForWindows(g, new AvgPoolForward { X = Floats(x), Y = Floats(y), Inv = 1f / (g.Kernel * g.Kernel) });
    }

    protected override void AvgPool2dBackwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx)
    {
        ForWindows(g, new AvgPoolBackward { Dy = Floats(dy), Dx = Floats(dx), Inv = 1f / (g.Kernel * g.Kernel) });
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

    /// <summary>Runs <paramref name="op"/> over every output window of every plane.</summary>
    private static void ForWindows<TOp>(in PoolGeometry g, TOp op) where TOp : struct, IPoolWindowOp =>
        ForPlanes(g, new PoolWindows<TOp> { G = g, Op = op });

    /// <summary>
    /// What a windowed pooling pass does: <see cref="PoolWindows{TOp}"/> walks the output windows
    /// once for all of them and hands each window to the op.
    /// </summary>
    private interface IPoolWindowOp
    {
        /// <summary>
        /// The input plane (H·W values at <paramref name="offset"/>) the windows cover: the input of a
        /// forward pass, or the input gradient of a backward pass, cleared here because it is scattered into.
        /// </summary>
        Span<float> Plane(int offset, int length);

        /// <summary>Output <paramref name="o"/>, whose window is rows [h0, h1) × columns [w0, w1) of <paramref name="plane"/>.</summary>
        void Visit(Span<float> plane, int width, int o, int h0, int h1, int w0, int w1);
    }

    /// <summary>
    /// The walk over one plane's output windows, in output order, clipped to the plane. Stamped out per
    /// op (a struct type argument), so each op's window code is inlined into its own loop.
    /// </summary>
    private struct PoolWindows<TOp> : IParallelWork where TOp : struct, IPoolWindowOp
    {
        public PoolGeometry G;
        public TOp Op;

        public readonly void Execute(int p)
        {
            // A local copy: calls on a field of a readonly member would copy the op on every window.
            var op = Op;
            int outH = G.OutH, outW = G.OutW;
            var plane = op.Plane(p * G.H * G.W, G.H * G.W);
            int o = p * outH * outW;
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Window(oh, G, G.H);
                for (int ow = 0; ow < outW; ow++, o++)
                {
                    var (w0, w1) = Window(ow, G, G.W);
                    op.Visit(plane, G.W, o, h0, h1, w0, w1);
                }
            }
        }
    }

    private struct MaxPoolForward : IPoolWindowOp
    {
        public float[] X, Y;
        public int[] ArgMax;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Span<float> Plane(int offset, int length) => X.AsSpan(offset, length);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Visit(Span<float> x, int width, int o, int h0, int h1, int w0, int w1)
        {
            // Every window holds at least one input pixel (Validate: Pad ≤ Kernel/2).
            int best = h0 * width + w0;
            float max = float.NegativeInfinity;
            for (int h = h0; h < h1; h++)
            {
                for (int w = w0; w < w1; w++)
                {
                    float v = x[h * width + w];
                    if (v > max || float.IsNaN(v))
                    {
                        max = v;
                        best = h * width + w;
                        if (float.IsNaN(v)) goto done;
                    }
                }
            }
        done:
            Y[o] = x[best];
            ArgMax[o] = best;
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

    private struct AvgPoolForward : IPoolWindowOp
    {
        public float[] X, Y;
        public float Inv;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Span<float> Plane(int offset, int length) => X.AsSpan(offset, length);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Visit(Span<float> x, int width, int o, int h0, int h1, int w0, int w1)
        {
            float sum = 0;
            for (int h = h0; h < h1; h++) sum += TensorPrimitives.Sum(x.Slice(h * width + w0, w1 - w0));
            Y[o] = sum * Inv;
        }
    }

    private struct AvgPoolBackward : IPoolWindowOp
    {
        public float[] Dy, Dx;
        public float Inv;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Span<float> Plane(int offset, int length)
        {
            var dx = Dx.AsSpan(offset, length);
            dx.Clear();
            return dx;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Visit(Span<float> dx, int width, int o, int h0, int h1, int w0, int w1)
        {
            float share = Dy[o] * Inv;
            for (int h = h0; h < h1; h++)
            {
                var row = dx.Slice(h * width + w0, w1 - w0);
                TensorPrimitives.Add(row, share, row);
            }
        }
    }
}
