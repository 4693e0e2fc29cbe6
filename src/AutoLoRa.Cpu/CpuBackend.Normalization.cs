using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AutoLoRa.Cpu;

/// <summary>
/// Batch-norm over x viewed as (N, C, HW): channel c owns the N planes x[n, c, :], M = N·HW values.
/// Statistics are two-pass (a rough mean, then deviations from it, which refine the mean and give
/// the variance without cancellation) with float partial sums over
/// short blocks gathered in double, so a large M or a large mean costs no precision. Work is
/// split over channels when the tensor is big enough to pay for the threads.
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Below this many elements a batch-norm call stays on the calling thread.</summary>
    private const long NormalizationParallelThreshold = 1 << 15;

    protected override void BatchNormForwardTrainingCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd)
    {
        var work = new NormTrainingWork
        {
            N = n, C = c, Hw = hw, Momentum = momentum, Eps = eps,
            X = Floats(x), Gamma = Floats(gamma), Beta = Floats(beta), Y = Floats(y),
            RunningMean = Floats(runningMean), RunningVar = Floats(runningVar),
            SaveMean = Floats(saveMean), SaveInvStd = Floats(saveInvStd),
        };
        ForChannels(c, (long)n * c * hw, work);
    }

    protected override void BatchNormForwardInferenceCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y)
    {
        var work = new NormInferenceWork
        {
            N = n, C = c, Hw = hw, Eps = eps,
            X = Floats(x), Gamma = Floats(gamma), Beta = Floats(beta), Y = Floats(y),
            RunningMean = Floats(runningMean), RunningVar = Floats(runningVar),
        };
        ForChannels(c, (long)n * c * hw, work);
    }

    protected override void BatchNormBackwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        var work = new NormBackwardWork
        {
            N = n, C = c, Hw = hw,
            X = Floats(x), Dy = Floats(dy), Gamma = Floats(gamma), SaveMean = Floats(saveMean), SaveInvStd = Floats(saveInvStd),
            Dx = Floats(dx), DGamma = Floats(dgamma), DBeta = Floats(dbeta),
        };
        ForChannels(c, (long)n * c * hw, work);
    }

    private static void ForChannels<TWork>(int channels, long size, TWork work) where TWork : struct, IParallelWork
    {
        if (size < NormalizationParallelThreshold) for (int ch = 0; ch < channels; ch++) work.Execute(ch);
        else CpuParallel.For(channels, work);
    }

    private struct NormTrainingWork : IParallelWork
    {
        public int N, C, Hw;
        public float Momentum, Eps;
        public float[] X, Gamma, Beta, Y, RunningMean, RunningVar, SaveMean, SaveInvStd;

        public readonly void Execute(int ch)
        {
            long count = (long)N * Hw;
            double sum = 0;
            for (int n = 0; n < N; n++) sum += BlockSum(Plane(X, n, ch));
            float center = (float)(sum / count);
            // Second pass about the rough mean: Σ(x − center) refines the mean (the float block
            // sums of the first pass are only good to about an ulp of the data), Σ(x − center)²
            // gives the variance about it without cancellation.
            double squares = 0, deviations = 0;
            for (int n = 0; n < N; n++)
            {
                var (sq, dev) = SquaredDeviation(Plane(X, n, ch), center);
                squares += sq;
                deviations += dev;
            }
            double shift = deviations / count;
            double mean = center + shift;
            double variance = Math.Max(squares / count - shift * shift, 0);
            double invStd = 1.0 / Math.Sqrt(variance + Eps);
            double scale = Gamma[ch] * invStd;
            float offset = (float)(Beta[ch] - shift * scale);
            for (int n = 0; n < N; n++) AffineCentered(Plane(X, n, ch), center, (float)scale, offset, Plane(Y, n, ch));
            SaveMean[ch] = (float)mean;
            SaveInvStd[ch] = (float)invStd;
            double unbiased = variance * count / (count - 1);
            RunningMean[ch] = (float)((1 - Momentum) * (double)RunningMean[ch] + Momentum * mean);
            RunningVar[ch] = (float)((1 - Momentum) * (double)RunningVar[ch] + Momentum * unbiased);
        }

        private readonly Span<float> Plane(float[] a, int n, int ch) => a.AsSpan((n * C + ch) * Hw, Hw);
    }

    private struct NormInferenceWork : IParallelWork
    {
        public int N, C, Hw;
        public float Eps;
        public float[] X, Gamma, Beta, Y, RunningMean, RunningVar;

        public readonly void Execute(int ch)
        {
            float scale = (float)(Gamma[ch] / Math.Sqrt((double)RunningVar[ch] + Eps));
            for (int n = 0; n < N; n++)
            {
                int o = (n * C + ch) * Hw;
                AffineCentered(X.AsSpan(o, Hw), RunningMean[ch], scale, Beta[ch], Y.AsSpan(o, Hw));
            }
        }
    }

    private struct NormBackwardWork : IParallelWork
    {
        public int N, C, Hw;
        public float[] X, Dy, Gamma, SaveMean, SaveInvStd, Dx, DGamma, DBeta;

        public readonly void Execute(int ch)
        {
            long count = (long)N * Hw;
            float mean = SaveMean[ch];
            double invStd = SaveInvStd[ch];
            double sumDy = 0, sumDyCentered = 0, sumCentered = 0;
            for (int n = 0; n < N; n++)
            {
                int o = (n * C + ch) * Hw;
                sumDy += BlockSum(Dy.AsSpan(o, Hw));
                var (dyc, xc) = DotCentered(Dy.AsSpan(o, Hw), X.AsSpan(o, Hw), mean);
                sumDyCentered += dyc;
                sumCentered += xc;
            }
            // The saved mean is the batch mean rounded to float; its rounding error, recovered
            // here as mean(x − saved), would otherwise leak into x̂ scaled by 1/σ.
            double shift = sumCentered / count;
            double sumDyXHat = (sumDyCentered - shift * sumDy) * invStd;
            DGamma[ch] = (float)sumDyXHat;
            DBeta[ch] = (float)sumDy;
            // dx = γ·σ⁻¹·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) = a·dy + b·(x − saved) + c
            double a = Gamma[ch] * invStd;
            double b = -a * invStd * sumDyXHat / count;
            float fa = (float)a;
            float fb = (float)b;
            float fc = (float)(-a * sumDy / count - b * shift);
            for (int n = 0; n < N; n++)
            {
                int o = (n * C + ch) * Hw;
                BackwardLine(Dy.AsSpan(o, Hw), X.AsSpan(o, Hw), mean, fa, fb, fc, Dx.AsSpan(o, Hw));
            }
        }
    }

    // ---- vector helpers; float accumulation over blocks of at most BlockLength, blocks summed in double ----

    private const int BlockLength = 4096;

    private static double BlockSum(ReadOnlySpan<float> x)
    {
        double total = 0;
        for (int i = 0; i < x.Length; i += BlockLength) total += TensorPrimitives.Sum(x.Slice(i, Math.Min(BlockLength, x.Length - i)));
        return total;
    }

    /// <summary>(Σ (x − center)², Σ (x − center)).</summary>
    private static (double Squares, double Deviations) SquaredDeviation(ReadOnlySpan<float> x, float center)
    {
        double totalSquares = 0, total = 0;
        var vc = new Vector<float>(center);
        for (int start = 0; start < x.Length; start += BlockLength)
        {
            var block = x.Slice(start, Math.Min(BlockLength, x.Length - start));
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(block);
            Vector<float> accSquares = Vector<float>.Zero, acc = Vector<float>.Zero;
            foreach (var v in vectors)
            {
                var d = v - vc;
                accSquares += d * d;
                acc += d;
            }
            float partSquares = Vector.Sum(accSquares), part = Vector.Sum(acc);
            for (int i = vectors.Length * Vector<float>.Count; i < block.Length; i++)
            {
                float d = block[i] - center;
                partSquares += d * d;
                part += d;
            }
            totalSquares += partSquares;
            total += part;
        }
        return (totalSquares, total);
    }

    /// <summary>(Σ dy·(x − center), Σ (x − center)).</summary>
    private static (double DyCentered, double Centered) DotCentered(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float center)
    {
        double totalDy = 0, total = 0;
        var vc = new Vector<float>(center);
        for (int start = 0; start < x.Length; start += BlockLength)
        {
            int len = Math.Min(BlockLength, x.Length - start);
            var xv = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(start, len));
            var dv = MemoryMarshal.Cast<float, Vector<float>>(dy.Slice(start, len));
            Vector<float> accDy = Vector<float>.Zero, acc = Vector<float>.Zero;
            for (int i = 0; i < xv.Length; i++)
            {
                var d = xv[i] - vc;
                accDy += dv[i] * d;
                acc += d;
            }
            float partDy = Vector.Sum(accDy), part = Vector.Sum(acc);
            for (int i = start + xv.Length * Vector<float>.Count; i < start + len; i++)
            {
                float d = x[i] - center;
                partDy += dy[i] * d;
                part += d;
            }
            totalDy += partDy;
            total += part;
        }
        return (totalDy, total);
    }

    /// <summary>y = (x − center)·scale + shift (y may be x).</summary>
    private static void AffineCentered(ReadOnlySpan<float> x, float center, float scale, float shift, Span<float> y)
    {
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        Vector<float> vc = new(center), vs = new(scale), vh = new(shift);
        for (int i = 0; i < xv.Length; i++) yv[i] = (xv[i] - vc) * vs + vh;
        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++) y[i] = (x[i] - center) * scale + shift;
    }

    /// <summary>dx = a·dy + b·(x − center) + c.</summary>
    private static void BackwardLine(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float center, float a, float b, float c, Span<float> dx)
    {
        var dv = MemoryMarshal.Cast<float, Vector<float>>(dy);
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var ov = MemoryMarshal.Cast<float, Vector<float>>(dx);
        Vector<float> vcenter = new(center), va = new(a), vb = new(b), vc = new(c);
        for (int i = 0; i < dv.Length; i++) ov[i] = va * dv[i] + vb * (xv[i] - vcenter) + vc;
        for (int i = dv.Length * Vector<float>.Count; i < dy.Length; i++) dx[i] = a * dy[i] + b * (x[i] - center) + c;
    }
}
