namespace AutoLoRa.Core.Backends;

/// <summary>The fused primitives of the hot path: losses, the PGD step and the SGD update.</summary>
public abstract partial class Backend
{
    // ---- fused primitives of the hot path ----------------------------------------------------------------

    /// <summary>
    /// Mean cross-entropy of logits (rows, classes) against int32 labels. Writes loss[0] and the
    /// softmax probabilities (for the backward pass).
    /// </summary>
    public void SoftmaxCrossEntropyForward(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        PrimitiveChecks.SoftmaxCrossEntropyForward(rows, classes, logits, labels, loss, probabilities);
        using var timer = Profile(nameof(SoftmaxCrossEntropyForward));
        SoftmaxCrossEntropyForwardCore(rows, classes, logits, labels, loss, probabilities);
    }

    /// <summary>This backend's <see cref="SoftmaxCrossEntropyForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void SoftmaxCrossEntropyForwardCore(int rows, int classes, DeviceBuffer logits,
        DeviceBuffer labels, DeviceBuffer loss, DeviceBuffer probabilities);

    /// <summary>dlogits = (probabilities − onehot(labels)) · dloss[0] / rows.</summary>
    public void SoftmaxCrossEntropyBackward(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        PrimitiveChecks.SoftmaxCrossEntropyBackward(rows, classes, probabilities, labels, dloss, dlogits);
        using var timer = Profile(nameof(SoftmaxCrossEntropyBackward));
        SoftmaxCrossEntropyBackwardCore(rows, classes, probabilities, labels, dloss, dlogits);
    }

    /// <summary>This backend's <see cref="SoftmaxCrossEntropyBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void SoftmaxCrossEntropyBackwardCore(int rows, int classes, DeviceBuffer probabilities,
        DeviceBuffer labels, DeviceBuffer dloss, DeviceBuffer dlogits);

    /// <summary>
    /// loss[0] = Σ_rows Σ_j p_j (log p_j − log q_j) / rows with p = softmax(target logits),
    /// q = softmax(input logits) — TRADES's KL(p(x) ‖ p(x_adv)). Writes log p and log q for the backward.
    /// </summary>
    public void KlDivergenceForward(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        PrimitiveChecks.KlDivergenceForward(rows, classes, targetLogits, inputLogits, loss, logP, logQ);
        using var timer = Profile(nameof(KlDivergenceForward));
        KlDivergenceForwardCore(rows, classes, targetLogits, inputLogits, loss, logP, logQ);
    }

    /// <summary>This backend's <see cref="KlDivergenceForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void KlDivergenceForwardCore(int rows, int classes, DeviceBuffer targetLogits,
        DeviceBuffer inputLogits, DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ);

    /// <summary>
    /// Gradients of the KL loss scaled by dloss[0]: dInput = (q − p)/rows and
    /// dTarget = p ⊙ (log p − log q − KL_row)/rows. Either output may be null when not needed.
    /// </summary>
    public void KlDivergenceBackward(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        PrimitiveChecks.KlDivergenceBackward(rows, classes, logP, logQ, dloss, dTarget, dInput);
        using var timer = Profile(nameof(KlDivergenceBackward));
        KlDivergenceBackwardCore(rows, classes, logP, logQ, dloss, dTarget, dInput);
    }

    /// <summary>This backend's <see cref="KlDivergenceBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void KlDivergenceBackwardCore(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ,
        DeviceBuffer dloss, DeviceBuffer? dTarget, DeviceBuffer? dInput);

    /// <summary>xOut = clamp(clamp(x + alpha·sign(grad), x0 − eps, x0 + eps), 0, 1). xOut may alias x.</summary>
    public void PgdStep(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        PrimitiveChecks.PgdStep(length, x, grad, x0, xOut);
        using var timer = Profile(nameof(PgdStep));
        PgdStepCore(length, x, grad, x0, alpha, eps, xOut);
    }

    /// <summary>This backend's <see cref="PgdStep"/>, called once the arguments passed its checks.</summary>
    protected abstract void PgdStepCore(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha,
        float eps, DeviceBuffer xOut);

    /// <summary>
    /// PyTorch SGD in one pass: d = grad + weightDecay·param; velocity = momentum·velocity + d;
    /// param −= lr · velocity. The velocity buffer starts at zero.
    /// </summary>
    public void SgdMomentumUpdate(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity, float lr,
        float momentum, float weightDecay)
    {
        PrimitiveChecks.SgdMomentumUpdate(length, param, grad, velocity);
        using var timer = Profile(nameof(SgdMomentumUpdate));
        SgdMomentumUpdateCore(length, param, grad, velocity, lr, momentum, weightDecay);
    }

    /// <summary>This backend's <see cref="SgdMomentumUpdate"/>, called once the arguments passed its checks.</summary>
    protected abstract void SgdMomentumUpdateCore(int length, DeviceBuffer param, DeviceBuffer grad,
        DeviceBuffer velocity, float lr, float momentum, float weightDecay);
}
