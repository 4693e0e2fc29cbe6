using System.Numerics;
using System.Numerics.Tensors;

namespace AutoLoRa.Cpu;

public sealed partial class CpuBackend
{
    protected override void SoftmaxCrossEntropyForwardCore(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        var z = Floats(logits);
        var p = Floats(probabilities);
        var y = Ints(labels);
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = y[r];
            if ((uint)label >= (uint)classes) throw new BackendException($"Label {label} at row {r} is outside [0, {classes}).");
            var logP = p.AsSpan(r * classes, classes);
            LogSoftmaxRow(z.AsSpan(r * classes, classes), logP);
            total -= logP[label];
            TensorPrimitives.Exp(logP, logP);
        }
        Floats(loss)[0] = (float)(total / rows);
    }

    protected override void SoftmaxCrossEntropyBackwardCore(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        var p = Floats(probabilities);
        var y = Ints(labels);
        var dz = Floats(dlogits);
        float scale = Floats(dloss)[0] / rows;
        TensorPrimitives.Multiply(p.AsSpan(0, rows * classes), scale, dz.AsSpan(0, rows * classes));
        for (int r = 0; r < rows; r++) dz[r * classes + y[r]] -= scale;
    }

    protected override void KlDivergenceForwardCore(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        var zt = Floats(targetLogits);
        var zi = Floats(inputLogits);
        var lp = Floats(logP);
        var lq = Floats(logQ);
        double total = 0;
        for (int r = 0; r < rows; r++) total += KlRow(zt.AsSpan(r * classes, classes), zi.AsSpan(r * classes, classes), lp.AsSpan(r * classes, classes), lq.AsSpan(r * classes, classes));
        Floats(loss)[0] = (float)(total / rows);
    }

    protected override void KlDivergenceBackwardCore(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        var lp = Floats(logP);
        var lq = Floats(logQ);
        float scale = Floats(dloss)[0] / rows;
        float[]? dt = dTarget is null ? null : Floats(dTarget);
        float[]? di = dInput is null ? null : Floats(dInput);
        for (int r = 0; r < rows; r++)
        {
            int o = r * classes;
            double klRow = 0;
            for (int j = 0; j < classes; j++) klRow += MathF.Exp(lp[o + j]) * (lp[o + j] - lq[o + j]);
            for (int j = 0; j < classes; j++)
            {
                float p = MathF.Exp(lp[o + j]);
                if (di is not null) di[o + j] = (MathF.Exp(lq[o + j]) - p) * scale;
                if (dt is not null) dt[o + j] = p * (lp[o + j] - lq[o + j] - (float)klRow) * scale;
            }
        }
    }

    protected override unsafe void PgdStepCore(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        fixed (float* px = Floats(x), pg = Floats(grad), p0 = Floats(x0), pout = Floats(xOut))
        {
            ElementwiseChunks.Run(length, new PgdStepKernel { Alpha = alpha, Eps = eps, X = px, Grad = pg, X0 = p0, Out = pout });
        }
    }

    /// <summary>
    /// One L∞ PGD step: out = clamp(clamp(x + α·sign(g), x0 − ε, x0 + ε), 0, 1), sign(0) = 0. Masks,
    /// not branches: gradient signs are as unpredictable as coin flips.
    /// </summary>
    private unsafe struct PgdStepKernel : IElementwiseKernel
    {
        public float Alpha, Eps;
        public float* X, Grad, X0, Out;

        public readonly void Run(int start, int count)
        {
            float* x = X + start, g = Grad + start, x0 = X0 + start, y = Out + start;
            var alpha = new Vector<float>(Alpha);
            var eps = new Vector<float>(Eps);
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.Load(g + i);
                var up = Vector.ConditionalSelect(Vector.GreaterThan(gi, Vector<float>.Zero), alpha, Vector<float>.Zero);
                var down = Vector.ConditionalSelect(Vector.LessThan(gi, Vector<float>.Zero), alpha, Vector<float>.Zero);
                var center = Vector.Load(x0 + i);
                var step = Vector.Load(x + i) + up - down;
                step = Vector.Min(Vector.Max(step, center - eps), center + eps);
                Vector.Store(Vector.Min(Vector.Max(step, Vector<float>.Zero), Vector<float>.One), y + i);
            }
            for (; i < count; i++)
            {
                float step = x[i] + (g[i] > 0 ? Alpha : g[i] < 0 ? -Alpha : 0f);
                step = Math.Clamp(step, x0[i] - Eps, x0[i] + Eps);
                y[i] = Math.Clamp(step, 0f, 1f);
            }
        }
    }

    protected override void SgdMomentumUpdateCore(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay)
    {
        var p = Span(param, length);
        var g = Span(grad, length);
        var v = Span(velocity, length);
        for (int i = 0; i < length; i++)
        {
            float d = g[i] + weightDecay * p[i];
            float vi = momentum * v[i] + d;
            v[i] = vi;
            p[i] -= lr * vi;
        }
    }

    /// <summary>KL of one row: writes log p and log q and returns Σ p (log p − log q).</summary>
    private static double KlRow(ReadOnlySpan<float> zTarget, ReadOnlySpan<float> zInput, Span<float> logP, Span<float> logQ)
    {
        LogSoftmaxRow(zTarget, logP);
        LogSoftmaxRow(zInput, logQ);
        double kl = 0;
        for (int j = 0; j < logP.Length; j++) kl += MathF.Exp(logP[j]) * (logP[j] - logQ[j]);
        return kl;
    }
}
