namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// BatchNorm2d(Conv2d(x, w), eval mode) as one convolution: with a = γ/√(var + ε) and
    /// b = β − mean·a, y = conv(x, a·w) + b. Equal to the two ops in sequence, but the batch-norm's
    /// forward and backward passes over the activations disappear — they are most of the non-GEMM
    /// time of an attack, which runs every pass in eval mode. Gradients reach x, w, γ and β:
    /// <code>
    ///   dx = conv_backward_data(dy; a·w)       dw = a · conv_backward_filter(x, dy)
    ///   dβ = Σ dy                                dγ = (Σ_crs w ⊙ conv_backward_filter(x, dy) − mean·dβ)/√(var + ε)
    /// </code>
    /// (the last uses Σ_p dy·conv(x, w) = Σ_crs w ⊙ dW, so the pre-norm activations need not be kept).
    /// </summary>
    public static Tensor Conv2dBatchNormEval(Tensor x, Tensor w, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
        int stride = 1, int padding = 0, float eps = BatchNormEpsilon)
    {
        const string op = "conv2d_batch_norm_eval";
        var backend = SameBackend(op, x, w, gamma, beta, runningMean, runningVar);
        RequireRank(op, w, 4, "(K, C, R, S)");
        int k = w.Shape[0], taps = w.Shape[1] * w.Shape[2] * w.Shape[3];
        foreach (var p in (ReadOnlySpan<Tensor>)[gamma, beta, runningMean, runningVar])
        {
            if (p.ElementCount != k) throw new ArgumentException($"{op}: {p.Describe()} must have {k} elements for weight {w.Describe()}.");
        }

        // a·w and b, from the batch-norm inference primitive on tiny "images": BN(v; mean 0, var, γ', β') = v·γ'/√(var + ε) + β'.
        using var zeros = Tensor.Zeros(backend, gamma.Shape);
        var folded = Tensor.Empty(backend, w.Shape);
        ScaleRowsByNorm(backend, k, taps, w, gamma, runningVar, eps, zeros, folded);
        using var negativeGamma = Tensor.Empty(backend, gamma.Shape);
        backend.Scale(k, -1f, gamma.Buffer, negativeGamma.Buffer);
        var shift = Tensor.Empty(backend, gamma.Shape);
        backend.BatchNormForwardInference(1, k, 1, runningMean.Buffer, negativeGamma.Buffer, beta.Buffer, zeros.Buffer, runningVar.Buffer, eps, shift.Buffer);

        Tensor y;
        using (GradMode.NoGrad()) y = Conv2d(x, folded, shift, stride, padding);
        var g = new ConvGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], k, w.Shape[2], w.Shape[3], stride, stride, padding, padding);
        return GradMode.Record(y, op, [x, w, gamma, beta], new Conv2dBatchNormEvalBackward(g, folded, runningMean, runningVar, eps));
    }

    /// <summary>destination[k, :] = source[k, :] · scale_k / √(var_k + ε), through the batch-norm inference primitive.</summary>
    private static void ScaleRowsByNorm(Backend backend, int rows, int inner, Tensor source, Tensor scale, Tensor runningVar, float eps,
        Tensor zeros, Tensor destination) =>
        backend.BatchNormForwardInference(1, rows, inner, source.Buffer, scale.Buffer, zeros.Buffer, zeros.Buffer, runningVar.Buffer, eps, destination.Buffer);

    /// <summary>The gradients of <see cref="Conv2dBatchNormEval"/> (see there); inputs (x, w, γ, β).</summary>
    private readonly struct Conv2dBatchNormEvalBackward(ConvGeometry g, Tensor folded, Tensor runningMean, Tensor runningVar, float eps) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], w = inputs[1], gamma = inputs[2], beta = inputs[3];
            var backend = x.Backend;
            int k = g.K, taps = w.ElementCount / k;
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                backend.Conv2dBackwardData(g, gy.Buffer, folded.Buffer, grads[0]!.Buffer);
            }
            Tensor? dbeta = null;
            if (needs[2] || needs[3])
            {
                dbeta = Tensor.Empty(backend, beta.Shape);
                backend.BiasBackward(g.N, k, g.OutH * g.OutW, gy.Buffer, dbeta.Buffer);
            }
            if (needs[1] || needs[2])
            {
                using var raw = Tensor.Empty(backend, w.Shape);
                backend.Conv2dBackwardFilter(g, x.Buffer, gy.Buffer, raw.Buffer);
                if (needs[1])
                {
                    grads[1] = Tensor.Empty(backend, w.Shape);
                    using var zero = Tensor.Zeros(backend, gamma.Shape);
                    ScaleRowsByNorm(backend, k, taps, raw, gamma, runningVar, eps, zero, grads[1]!);
                }
                if (needs[2])
                {
                    // dγ_k = (Σ_crs w ⊙ raw − mean_k · dβ_k) / √(var_k + ε)
                    using var product = Tensor.Empty(backend, w.Shape);
                    backend.Multiply(w.ElementCount, w.Buffer, raw.Buffer, product.Buffer);
                    using var rowSums = Tensor.Empty(backend, gamma.Shape);
                    backend.BiasBackward(1, k, taps, product.Buffer, rowSums.Buffer);
                    using var meanTimesDbeta = Tensor.Empty(backend, gamma.Shape);
                    backend.Multiply(k, runningMean.Buffer, dbeta!.Buffer, meanTimesDbeta.Buffer);
                    backend.Axpby(k, 1f, rowSums.Buffer, -1f, meanTimesDbeta.Buffer, rowSums.Buffer);
                    using var ones = Tensor.Full(backend, gamma.Shape, 1f);
                    using var zero = Tensor.Zeros(backend, gamma.Shape);
                    grads[2] = Tensor.Empty(backend, gamma.Shape);
                    ScaleRowsByNorm(backend, k, 1, rowSums, ones, runningVar, eps, zero, grads[2]!);
                }
            }
            if (dbeta is not null) grads[3] = KeepIfNeeded(dbeta, needs[3]);
        }
    }
}
