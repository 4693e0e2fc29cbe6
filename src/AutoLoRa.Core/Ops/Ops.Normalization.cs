namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>PyTorch's defaults for BatchNorm2d.</summary>
    public const float BatchNormMomentum = 0.1f, BatchNormEpsilon = 1e-5f;

    /// <summary>
    /// Batch-norm over x (N, C, H, W). Training: normalise with batch statistics and update the
    /// running statistics in place (momentum, unbiased variance). Eval: normalise with the running
    /// statistics. gamma/beta (C) receive gradients when they require them; pass Detach()ed
    /// copies to keep them out of a branch's gradient.
    /// </summary>
    public static Tensor BatchNorm2d(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        bool training, float momentum = BatchNormMomentum, float eps = BatchNormEpsilon)
    {
        const string op = "batch_norm2d";
        var backend = SameBackend(op, x, gamma, beta, runningMean, runningVar);
        RequireRank(op, x, 4, "(N, C, H, W)");
        int n = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        foreach (var p in (ReadOnlySpan<Tensor>)[gamma, beta, runningMean, runningVar])
        {
            if (p.ElementCount != c) throw new ArgumentException($"{op}: {p.Describe()} must have {c} elements for input {x.Describe()}.");
        }
        if (training && n * hw < 2) throw new ArgumentException($"{op}: training mode needs more than one value per channel (input {x.Describe()}).");

        var y = Tensor.Empty(backend, x.Shape);
        if (!training)
        {
            backend.BatchNormForwardInference(n, c, hw, x.Buffer, gamma.Buffer, beta.Buffer, runningMean.Buffer, runningVar.Buffer, eps, y.Buffer);
            return GradMode.Record(y, "batch_norm2d_eval", [x, gamma, beta], new BatchNormEvalBackward(runningMean, runningVar, eps));
        }

        var saveMean = Tensor.Empty(backend, new Shape(c));
        var saveInvStd = Tensor.Empty(backend, new Shape(c));
        backend.BatchNormForwardTraining(n, c, hw, x.Buffer, gamma.Buffer, beta.Buffer, y.Buffer,
            runningMean.Buffer, runningVar.Buffer, momentum, eps, saveMean.Buffer, saveInvStd.Buffer);
        return GradMode.Record(y, op, [x, gamma, beta], new BatchNormBackward(saveMean, saveInvStd));
    }

    /// <summary>
    /// Eval-mode batch-norm is a per-channel affine map, so its gradients reuse the inference
    /// primitive: dx = BN(dy; mean 0, running var, gamma, beta 0) = dy·gamma/sqrt(var+eps);
    /// dgamma = Σ dy·x̂ with x̂ = BN(x; running stats, gamma 1, beta 0); dbeta = Σ dy. Inputs (x, γ, β).
    /// </summary>
    private readonly struct BatchNormEvalBackward(Tensor runningMean, Tensor runningVar, float eps) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], gamma = inputs[1];
            var backend = x.Backend;
            int n = x.Shape[0], c = x.Shape[1], hw = x.Shape[2] * x.Shape[3];
            using var zeros = Tensor.Zeros(backend, gamma.Shape);
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                backend.BatchNormForwardInference(n, c, hw, gy.Buffer, gamma.Buffer, zeros.Buffer, zeros.Buffer, runningVar.Buffer, eps, grads[0]!.Buffer);
            }
            if (needs[1])
            {
                using var ones = Tensor.Full(backend, gamma.Shape, 1f);
                using var xHat = Tensor.Empty(backend, x.Shape);
                backend.BatchNormForwardInference(n, c, hw, x.Buffer, ones.Buffer, zeros.Buffer, runningMean.Buffer, runningVar.Buffer, eps, xHat.Buffer);
                backend.Multiply(x.ElementCount, xHat.Buffer, gy.Buffer, xHat.Buffer);
                grads[1] = Tensor.Empty(backend, gamma.Shape);
                backend.BiasBackward(n, c, hw, xHat.Buffer, grads[1]!.Buffer);
            }
            if (needs[2])
            {
                grads[2] = Tensor.Empty(backend, gamma.Shape);
                backend.BiasBackward(n, c, hw, gy.Buffer, grads[2]!.Buffer);
            }
        }
    }

    /// <summary>The training-mode batch-norm backward from the saved batch statistics; inputs (x, γ, β).</summary>
    private readonly struct BatchNormBackward(Tensor saveMean, Tensor saveInvStd) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], gamma = inputs[1], beta = inputs[2];
            var backend = x.Backend;
            var dx = Tensor.Empty(backend, x.Shape);
            var dgamma = Tensor.Empty(backend, gamma.Shape);
            var dbeta = Tensor.Empty(backend, beta.Shape);
            backend.BatchNormBackward(x.Shape[0], x.Shape[1], x.Shape[2] * x.Shape[3], x.Buffer, gy.Buffer, gamma.Buffer, saveMean.Buffer, saveInvStd.Buffer,
                dx.Buffer, dgamma.Buffer, dbeta.Buffer);
            grads[0] = KeepIfNeeded(dx, needs[0]);
            grads[1] = KeepIfNeeded(dgamma, needs[1]);
            grads[2] = KeepIfNeeded(dbeta, needs[2]);
        }
    }

    private static Tensor? KeepIfNeeded(Tensor t, bool needed)
    {
        if (needed) return t;
        t.Dispose();
        return null;
    }
}
