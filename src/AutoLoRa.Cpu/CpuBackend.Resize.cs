namespace AutoLoRa.Cpu;

/// <summary>
/// Resizing (bilinear, or nearest as its one-tap case), one (n, c) plane per work item. The backward pass scatters each output's
/// gradient to its four taps in output order within a plane, so it needs no atomics and its sums
/// do not depend on the thread count.
/// </summary>
public sealed partial class CpuBackend
{
    protected override void ResizeBilinearForwardCore(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        ForPlanes(g.N * g.C, Math.Max(g.InputSize, g.OutputSize), new BilinearPlanes<Interpolate> { G = g, Input = Floats(x), Output = Floats(y) });
    }

    protected override void ResizeBilinearBackwardCore(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        ForPlanes(g.N * g.C, Math.Max(g.InputSize, g.OutputSize), new BilinearPlanes<ScatterTaps> { G = g, Input = Floats(dx), Output = Floats(dy) });
    }

    /// <summary>
    /// The one walk over a plane's outputs and their four taps that the forward pass and its
    /// transpose share. <see cref="Input"/> is the H×W side (x, or dx), <see cref="Output"/> the
    /// OutH×OutW side (y, or dy); <typeparamref name="TDirection"/> moves values between them.
    /// Stamped out per direction (a struct type argument), so each inner loop is the direction's own.
    /// </summary>
    private struct BilinearPlanes<TDirection> : IParallelWork where TDirection : struct, IBilinearDirection
    {
        public ResizeGeometry G;
        public float[] Input, Output;

        public readonly void Execute(int p)
        {
            int outW = G.OutW;
            var input = Input.AsSpan(p * G.H * G.W, G.H * G.W);
            var output = Output.AsSpan(p * G.OutH * outW, G.OutH * outW);
            if (TDirection.Accumulates) input.Clear();
            float scaleH = G.ScaleH, scaleW = G.ScaleW;
            for (int oy = 0; oy < G.OutH; oy++)
            {
                var (r0, r1, rw0, rw1) = ResizeGeometry.Taps(G.Mode, scaleH, oy, G.H);
                var top = input.Slice(r0 * G.W, G.W);
                var bottom = input.Slice(r1 * G.W, G.W);
                var row = output.Slice(oy * outW, outW);
                for (int ox = 0; ox < outW; ox++)
                {
                    // Recomputing the column taps per row costs less than a table per plane would allocate.
                    var (c0, c1, cw0, cw1) = ResizeGeometry.Taps(G.Mode, scaleW, ox, G.W);
                    TDirection.Taps(top, bottom, ref row[ox], c0, c1, cw0, cw1, rw0, rw1);
                }
            }
        }
    }

    /// <summary>What <see cref="BilinearPlanes{TDirection}"/> does with one output and its taps.</summary>
    private interface IBilinearDirection
    {
        /// <summary>Whether the input side is scattered into (and so cleared first).</summary>
        static abstract bool Accumulates { get; }

        /// <summary>
        /// One output and its taps: columns c0, c1 (weights cw0, cw1) of the input rows
        /// <paramref name="top"/> and <paramref name="bottom"/> (weights rw0, rw1).
        /// </summary>
        static abstract void Taps(Span<float> top, Span<float> bottom, ref float output, int c0, int c1, float cw0, float cw1, float rw0, float rw1);
    }

    /// <summary>Forward: each output is the weighted sum of its four taps.</summary>
    private struct Interpolate : IBilinearDirection
    {
        public static bool Accumulates => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Taps(Span<float> top, Span<float> bottom, ref float output, int c0, int c1, float cw0, float cw1, float rw0, float rw1) =>
            output = rw0 * (cw0 * top[c0] + cw1 * top[c1]) + rw1 * (cw0 * bottom[c0] + cw1 * bottom[c1]);
    }

    /// <summary>Backward (the transpose): each output's gradient is added to its four taps with the same weights.</summary>
    private struct ScatterTaps : IBilinearDirection
    {
        public static bool Accumulates => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Taps(Span<float> top, Span<float> bottom, ref float output, int c0, int c1, float cw0, float cw1, float rw0, float rw1)
        {
            float t = rw0 * output, b = rw1 * output;
            top[c0] += cw0 * t;
            top[c1] += cw1 * t;
            bottom[c0] += cw0 * b;
            bottom[c1] += cw1 * b;
        }
    }
}
