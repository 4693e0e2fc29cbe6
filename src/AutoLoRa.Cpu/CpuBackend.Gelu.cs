using System.Numerics;

namespace AutoLoRa.Cpu;

/// <summary>
/// GELU in its exact (erf) and tanh forms, forward and backward, with the formulas of
/// kernels/transformer.cu evaluated in Vector&lt;float&gt; lanes: .NET has no erf, so both backends
/// use the same Abramowitz–Stegun approximation (|error| ≤ 1.5e-7) and tanh(u) = 1 − 2/(e^{2u} + 1).
/// </summary>
public sealed partial class CpuBackend
{
    protected override void GeluCore(int length, DeviceBuffer x, DeviceBuffer y) => RunGelu<ExactGelu>(length, x, null, y);

    protected override void GeluBackwardCore(int length, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx) => RunGelu<ExactGelu>(length, x, dy, dx);

    protected override void GeluTanhCore(int length, DeviceBuffer x, DeviceBuffer y) => RunGelu<TanhGelu>(length, x, null, y);

    protected override void GeluTanhBackwardCore(int length, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx) => RunGelu<TanhGelu>(length, x, dy, dx);

    /// <summary>y = GELU(x) when <paramref name="dy"/> is null, else y = dy·GELU′(x), over all cores.</summary>
    private static unsafe void RunGelu<TForm>(int length, DeviceBuffer x, DeviceBuffer? dy, DeviceBuffer y) where TForm : IGeluForm
    {
        fixed (float* px = Floats(x), pdy = dy is null ? null : Floats(dy), py = Floats(y))
        {
            ElementwiseChunks.Run(length, new GeluKernel<TForm> { X = px, Dy = pdy, Y = py });
        }
    }

    /// <summary>One GELU form: its value and its derivative, lane by lane.</summary>
    private interface IGeluForm
    {
        static abstract Vector<float> Value(Vector<float> x);

        static abstract Vector<float> Derivative(Vector<float> x);
    }

    /// <summary>
    /// y = f(x) when <see cref="Dy"/> is null, else y = dy·f′(x). The tail shorter than a vector goes
    /// through the same lanes from a padded copy, so there is one formula, not a scalar twin.
    /// Each lane is read before it is written: y may alias x or dy.
    /// </summary>
    private unsafe struct GeluKernel<TForm> : IElementwiseKernel where TForm : IGeluForm
    {
        public float* X, Dy, Y;

        public readonly void Run(int start, int count)
        {
            float* x = X + start, y = Y + start;
            float* dy = Dy == null ? null : Dy + start;
            int w = Vector<float>.Count, i = 0;
            for (; i <= count - w; i += w) Vector.Store(Apply(Vector.Load(x + i), dy == null ? default : Vector.Load(dy + i)), y + i);
            if (i == count) return;
            Span<float> lanes = stackalloc float[w * 2];
            new ReadOnlySpan<float>(x + i, count - i).CopyTo(lanes);
            if (dy != null) new ReadOnlySpan<float>(dy + i, count - i).CopyTo(lanes[w..]);
            var result = Apply(new Vector<float>(lanes), new Vector<float>(lanes[w..]));
            for (int j = 0; j < count - i; j++) y[i + j] = result[j];
        }

        private readonly Vector<float> Apply(Vector<float> x, Vector<float> dy) =>
            Dy == null ? TForm.Value(x) : dy * TForm.Derivative(x);
    }

    /// <summary>PyTorch's exact GELU: x·Φ(x), Φ(x) = (1 + erf(x/√2))/2; derivative Φ(x) + x·φ(x).</summary>
    private readonly struct ExactGelu : IGeluForm
    {
        private const float Sqrt1Over2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

        public static Vector<float> Value(Vector<float> x) => 0.5f * x * (Vector<float>.One + Erf(x * Sqrt1Over2));

        public static Vector<float> Derivative(Vector<float> x)
        {
            var cdf = 0.5f * (Vector<float>.One + Erf(x * Sqrt1Over2));
            return cdf + x * (InvSqrt2Pi * Vector.Exp(-0.5f * x * x));
        }

        /// <summary>Abramowitz &amp; Stegun 7.1.26 on |x|, the sign put back: the same constants as autolora_erf.</summary>
        private static Vector<float> Erf(Vector<float> x)
        {
            var a = Vector.Abs(x);
            var t = Vector<float>.One / (Vector<float>.One + 0.3275911f * a);
            var poly = t * (new Vector<float>(0.254829592f) + t * (new Vector<float>(-0.284496736f) + t * (new Vector<float>(1.421413741f)
                + t * (new Vector<float>(-1.453152027f) + t * 1.061405429f))));
            var e = Vector<float>.One - poly * Vector.Exp(-(a * a));
            return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -e, e);
        }
    }

    /// <summary>GELU with approximate='tanh': x·(1 + tanh(u))/2, u = √(2/π)·(x + 0.044715·x³).</summary>
    private readonly struct TanhGelu : IGeluForm
    {
        private const float Sqrt2OverPi = 0.79788456080286536f, Cubic = 0.044715f;

        public static Vector<float> Value(Vector<float> x) => 0.5f * x * (Vector<float>.One + Tanh(x));

        public static Vector<float> Derivative(Vector<float> x)
        {
            var t = Tanh(x);
            var du = Sqrt2OverPi * (Vector<float>.One + 3f * Cubic * x * x);
            return 0.5f * (Vector<float>.One + t) + 0.5f * x * (Vector<float>.One - t * t) * du;
        }

        /// <summary>tanh(u) of the inner argument u(x), as 1 − 2/(e^{2u} + 1): ±1 exactly when e^{2u} over- or underflows.</summary>
        private static Vector<float> Tanh(Vector<float> x)
        {
            var u = Sqrt2OverPi * (x + Cubic * x * x * x);
            return Vector<float>.One - new Vector<float>(2f) / (Vector.Exp(2f * u) + Vector<float>.One);
        }
    }
}
