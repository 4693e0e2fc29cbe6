using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AutoLoRa.Cpu;

/// <summary>
/// Batch-norm over x viewed as (N, C, HW): channel c owns the N planes x[n, c, :], M = N·HW values.
/// Statistics are two-pass (a rough mean, then deviations from it, which refine the mean and give
/// the variance without cancellation) with float partial sums over
/// short blocks gathered in double, so a large M or a large mean costs no precision. A block runs
/// across the channel's planes (<see cref="ReduceChannel"/>): where a plane is only a vector or two
/// (the 8×8 and 4×4 stages of a CIFAR ResNet) reducing plane by plane spent the time in per-plane
/// calls and horizontal sums, not in the data. Work is split over channels when the tensor is big
/// enough to pay for the threads.
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Below this many elements a batch-norm call stays on the calling thread.</summary>
    private const long NormalizationParallelThreshold = 1 << 15;

    /// <inheritdoc/>
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

    /// <inheritdoc/>
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

    /// <inheritdoc/>
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
            var sum = new ChannelSum { X = X };
            ReduceChannel(ref sum, N, C, Hw, ch);
            float center = (float)(sum.Total / count);
            // Second pass about the rough mean: Σ(x − center) refines the mean (the float block
            // sums of the first pass are only good to about an ulp of the data), Σ(x − center)²
            // gives the variance about it without cancellation.
            var deviation = new ChannelSquaredDeviation { X = X, Center = center };
            ReduceChannel(ref deviation, N, C, Hw, ch);
            double squares = deviation.Squares, deviations = deviation.Deviations;
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
            var sums = new ChannelDotCentered { Dy = Dy, X = X, Center = mean };
            ReduceChannel(ref sums, N, C, Hw, ch);
            double sumDy = sums.SumDy, sumDyCentered = sums.DyCentered, sumCentered = sums.Centered;
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

    /// <summary>
    /// A sum over one channel's values, taken in float partial sums (<see cref="Add"/>) that
    /// <see cref="Flush"/> moves into double totals at the end of each block.
    /// </summary>
    private interface IChannelReduction
    {
        /// <summary>Adds the values at [offset, offset + length) of the reduction's arrays to the float partial sums.</summary>
        void Add(int offset, int length);

        /// <summary>Moves the float partial sums into the double totals and clears them.</summary>
        void Flush();
    }

    /// <summary>
    /// Runs <paramref name="reduction"/> over channel <paramref name="ch"/>'s N planes of
    /// <paramref name="hw"/> values (C·HW apart) in blocks of <see cref="BlockLength"/> values that
    /// run on from plane to plane, flushing after each block: the float partial sums cover as many
    /// values as the plane-by-plane blocks did, but a small plane no longer costs a flush of its own.
    /// </summary>
    private static void ReduceChannel<TReduction>(ref TReduction reduction, int n, int c, int hw, int ch)
        where TReduction : struct, IChannelReduction
    {
        int filled = 0;
        for (int plane = 0; plane < n; plane++)
        {
            int offset = (plane * c + ch) * hw;
            for (int start = 0; start < hw;)
            {
                int length = Math.Min(hw - start, BlockLength - filled);
                reduction.Add(offset + start, length);
                start += length;
                filled += length;
                if (filled == BlockLength)
                {
                    reduction.Flush();
                    filled = 0;
                }
            }
        }
        reduction.Flush();
    }

    /// <summary>Σ x.</summary>
    private struct ChannelSum : IChannelReduction
    {
        public float[] X;
        public double Total;
        private Vector<float> _vector;
        private float _scalar;

        public void Add(int offset, int length)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(X.AsSpan(offset, length));
            var acc = _vector;
            foreach (var v in xv) acc += v;
            _vector = acc;
            for (int i = offset + xv.Length * Vector<float>.Count; i < offset + length; i++) _scalar += X[i];
        }

        public void Flush()
        {
            Total += Vector.Sum(_vector) + _scalar;
            _vector = Vector<float>.Zero;
            _scalar = 0;
        }
    }

    /// <summary>(Σ (x − center)², Σ (x − center)).</summary>
    private struct ChannelSquaredDeviation : IChannelReduction
    {
        public float[] X;
        public float Center;
        public double Squares, Deviations;
        private Vector<float> _squares, _deviations;
        private float _scalarSquares, _scalarDeviations;

        public void Add(int offset, int length)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(X.AsSpan(offset, length));
            var vc = new Vector<float>(Center);
            Vector<float> squares = _squares, deviations = _deviations;
            foreach (var v in xv)
            {
                var d = v - vc;
                squares += d * d;
                deviations += d;
            }
            (_squares, _deviations) = (squares, deviations);
            for (int i = offset + xv.Length * Vector<float>.Count; i < offset + length; i++)
            {
                float d = X[i] - Center;
                _scalarSquares += d * d;
                _scalarDeviations += d;
            }
        }

        public void Flush()
        {
            Squares += Vector.Sum(_squares) + _scalarSquares;
            Deviations += Vector.Sum(_deviations) + _scalarDeviations;
            (_squares, _deviations, _scalarSquares, _scalarDeviations) = (Vector<float>.Zero, Vector<float>.Zero, 0, 0);
        }
    }

    /// <summary>(Σ dy, Σ dy·(x − center), Σ (x − center)), in one pass over dy and x.</summary>
    private struct ChannelDotCentered : IChannelReduction
    {
        public float[] Dy, X;
        public float Center;
        public double SumDy, DyCentered, Centered;
        private Vector<float> _dy, _dyCentered, _centered;
        private float _scalarDy, _scalarDyCentered, _scalarCentered;

        public void Add(int offset, int length)
        {
            var xv = MemoryMarshal.Cast<float, Vector<float>>(X.AsSpan(offset, length));
            var dv = MemoryMarshal.Cast<float, Vector<float>>(Dy.AsSpan(offset, length));
            var vc = new Vector<float>(Center);
            Vector<float> dy = _dy, dyCentered = _dyCentered, centered = _centered;
            for (int i = 0; i < xv.Length; i++)
            {
                var d = xv[i] - vc;
                dy += dv[i];
                dyCentered += dv[i] * d;
                centered += d;
            }
            (_dy, _dyCentered, _centered) = (dy, dyCentered, centered);
            for (int i = offset + xv.Length * Vector<float>.Count; i < offset + length; i++)
            {
                float d = X[i] - Center;
                _scalarDy += Dy[i];
                _scalarDyCentered += Dy[i] * d;
                _scalarCentered += d;
            }
        }

        public void Flush()
        {
            SumDy += Vector.Sum(_dy) + _scalarDy;
            DyCentered += Vector.Sum(_dyCentered) + _scalarDyCentered;
            Centered += Vector.Sum(_centered) + _scalarCentered;
            (_dy, _dyCentered, _centered) = (Vector<float>.Zero, Vector<float>.Zero, Vector<float>.Zero);
            (_scalarDy, _scalarDyCentered, _scalarCentered) = (0, 0, 0);
        }
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
