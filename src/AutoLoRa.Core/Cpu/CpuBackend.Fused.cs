using System.Numerics.Tensors;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public void SoftmaxCrossEntropyForward(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        PrimitiveChecks.SoftmaxCrossEntropyForward(rows, classes, logits, labels, loss, probabilities);
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

    public void SoftmaxCrossEntropyBackward(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        PrimitiveChecks.SoftmaxCrossEntropyBackward(rows, classes, probabilities, labels, dloss, dlogits);
        var p = Floats(probabilities);
        var y = Ints(labels);
        var dz = Floats(dlogits);
        float scale = Floats(dloss)[0] / rows;
        TensorPrimitives.Multiply(p.AsSpan(0, rows * classes), scale, dz.AsSpan(0, rows * classes));
        for (int r = 0; r < rows; r++) dz[r * classes + y[r]] -= scale;
    }

    public void KlDivergenceForward(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        PrimitiveChecks.KlDivergenceForward(rows, classes, targetLogits, inputLogits, loss, logP, logQ);
        var zt = Floats(targetLogits);
        var zi = Floats(inputLogits);
        var lp = Floats(logP);
        var lq = Floats(logQ);
        double total = 0;
        for (int r = 0; r < rows; r++) total += KlRow(zt.AsSpan(r * classes, classes), zi.AsSpan(r * classes, classes), lp.AsSpan(r * classes, classes), lq.AsSpan(r * classes, classes));
        Floats(loss)[0] = (float)(total / rows);
    }

    public void KlDivergenceBackward(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        PrimitiveChecks.KlDivergenceBackward(rows, classes, logP, logQ, dloss, dTarget, dInput);
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

    public void LoraMerge(int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a, float scale, DeviceBuffer wOut)
    {
        PrimitiveChecks.LoraMerge(outRows, rank, inCols, w, b, a, wOut);
        LoraGemm.Merge(this, outRows, rank, inCols, w, b, a, scale, wOut);
    }

    public void LoraMergeBackward(int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a, float scale,
        DeviceBuffer? dB, DeviceBuffer? dA)
    {
        PrimitiveChecks.LoraMergeBackward(outRows, rank, inCols, dW, b, a, dB, dA);
        LoraGemm.Backward(this, outRows, rank, inCols, dW, b, a, scale, dB, dA);
    }

    public unsafe void PgdStep(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        PrimitiveChecks.PgdStep(length, x, grad, x0, xOut);
        fixed (float* px = Floats(x), pg = Floats(grad), p0 = Floats(x0), pout = Floats(xOut))
        {
            ElementwiseChunks.Run(length, new PgdStepKernel { Alpha = alpha, Eps = eps, X = px, Grad = pg, X0 = p0, Out = pout });
        }
    }

    public void SgdMomentumUpdate(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay)
    {
        PrimitiveChecks.SgdMomentumUpdate(length, param, grad, velocity);
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
