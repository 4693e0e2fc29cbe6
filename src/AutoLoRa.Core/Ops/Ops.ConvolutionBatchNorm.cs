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
        SameBackend("conv2d_batch_norm_eval", x, w, gamma, beta, runningMean, runningVar);
        return Conv2dBatchNormEval(x, ConvBatchNormEval.Fold(w, gamma, beta, runningMean, runningVar, stride, padding, eps));
    }

    /// <summary>
    /// <see cref="Conv2dBatchNormEval(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, int, int, float)"/>
    /// with the fold already made (<see cref="FoldBatchNorm"/>): a layer that keeps its fold across
    /// the iterations of an attack passes it here instead of folding per call.
    /// </summary>
    public static Tensor Conv2dBatchNormEval(Tensor x, in ConvBatchNormEval conv)
    {
        const string op = "conv2d_batch_norm_eval";
        SameBackend(op, x, conv.Folded);
        Tensor y;
        using (GradMode.NoGrad()) y = Conv2d(x, conv.Folded, conv.Shift, conv.Stride, conv.Padding);
        return GradMode.Record(y, op, [x, conv.Weight, conv.Gamma, conv.Beta], new Conv2dBatchNormEvalBackward(conv.Geometry(x)));
    }

    /// <summary>
    /// max(<see cref="Conv2dBatchNormEval(Tensor, in ConvBatchNormEval)"/>, 0) with the ReLU in the
    /// convolution's output stage (<see cref="Backends.Backend.Conv2dForwardFused"/>): a ResNet's
    /// stem in an attack, where a separate ReLU was one more pass over the activations per forward.
    /// Backward: gz = gy ⊙ [y &gt; 0], then as <see cref="Conv2dBatchNormEval(Tensor, in ConvBatchNormEval)"/>
    /// with gz; inputs (x, w, γ, β).
    /// </summary>
    public static Tensor Conv2dBatchNormReluEval(Tensor x, in ConvBatchNormEval conv)
    {
        const string op = "conv2d_batch_norm_relu_eval";
        var backend = SameBackend(op, x, conv.Folded);
        var bound = conv.Geometry(x);
        var y = Tensor.Empty(backend, new Shape(bound.G.N, bound.G.K, bound.G.OutH, bound.G.OutW));
        backend.Conv2dForwardFused(bound.G, x.Buffer, conv.Folded.Buffer, conv.Shift.Buffer, null, relu: true, y.Buffer);
        return GradMode.Record(y, op, [x, conv.Weight, conv.Gamma, conv.Beta], new Conv2dBatchNormReluEvalBackward(bound, y), rectifiedOutput: true);
    }

    /// <summary>
    /// Writes the eval-mode batch-norm folded into the filter: <paramref name="folded"/> = a·w and
    /// <paramref name="shift"/> = β − mean·a with a = γ/√(var + ε). No autograd: the ops that use the
    /// fold differentiate with respect to w, γ and β themselves.
    /// </summary>
    public static void FoldBatchNorm(Tensor w, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
        Tensor folded, Tensor shift)
    {
        const string op = "fold_batch_norm";
        var backend = SameBackend(op, w, gamma, beta, runningMean, runningVar, folded, shift);
        RequireRank(op, w, 4, "(K, C, R, S)");
        int k = w.Shape[0], taps = w.Shape[1] * w.Shape[2] * w.Shape[3];
        foreach (var p in (ReadOnlySpan<Tensor>)[gamma, beta, runningMean, runningVar, shift])
        {
            if (p.ElementCount != k) throw new ArgumentException($"{op}: {p.Describe()} must have {k} elements for weight {w.Describe()}.");
        }
        if (folded.ElementCount != w.ElementCount) throw new ArgumentException($"{op}: {folded.Describe()} must have the shape of weight {w.Describe()}.");

        // a·w and b, from the batch-norm inference primitive on tiny "images": BN(v; mean 0, var, γ', β') = v·γ'/√(var + ε) + β'.
        using var zeros = Tensor.Zeros(backend, gamma.Shape);
        ScaleRowsByNorm(backend, k, taps, w, gamma, runningVar, eps, zeros, folded);
        using var negativeGamma = Tensor.Empty(backend, gamma.Shape);
        backend.Scale(k, -1f, gamma.Buffer, negativeGamma.Buffer);
        backend.BatchNormForwardInference(1, k, 1, runningMean.Buffer, negativeGamma.Buffer, beta.Buffer, zeros.Buffer, runningVar.Buffer, eps, shift.Buffer);
    }

    /// <summary>destination[k, :] = source[k, :] · scale_k / √(var_k + ε), through the batch-norm inference primitive.</summary>
    private static void ScaleRowsByNorm(Backend backend, int rows, int inner, Tensor source, Tensor scale, Tensor runningVar, float eps,
        Tensor zeros, Tensor destination) =>
        backend.BatchNormForwardInference(1, rows, inner, source.Buffer, scale.Buffer, zeros.Buffer, zeros.Buffer, runningVar.Buffer, eps, destination.Buffer);

    /// <summary>The gradients of <see cref="Conv2dBatchNormEval(Tensor, in ConvBatchNormEval)"/> (see there); inputs (x, w, γ, β).</summary>
    private readonly struct Conv2dBatchNormEvalBackward(ConvBatchNormEval.Bound conv) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0];
            if (needs[0])
            {
                grads[0] = Tensor.Empty(x.Backend, x.Shape);
                x.Backend.Conv2dBackwardData(conv.G, gy.Buffer, conv.Conv.Folded.Buffer, grads[0]!.Buffer);
            }
            ParameterGradients(conv, x, gy, needs[1..], grads[1..]);
        }
    }

    /// <summary>
    /// The gradients of <see cref="Conv2dBatchNormReluEval"/>: those of the convolution from the masked
    /// gradient, which arrives masked already when its consumer applied the mask (<see cref="ReluMasks"/>).
    /// </summary>
    private readonly struct Conv2dBatchNormReluEvalBackward(ConvBatchNormEval.Bound conv, Tensor y) : IReluMaskingRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads, ReluMasks masks)
        {
            using var maskedHere = masks.MaskOutputGradient(y, gy);
            new Conv2dBatchNormEvalBackward(conv).Backward(inputs, maskedHere ?? gy, needs, grads);
        }
    }

    /// <summary>
    /// dw, dγ and dβ of a convolution with folded batch-norm (see <see cref="Conv2dBatchNormEval(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, int, int, float)"/>)
    /// from its input <paramref name="x"/> and output gradient <paramref name="gy"/>, into grads[0..3) as needs[0..3) ask.
    /// </summary>
    private static void ParameterGradients(in ConvBatchNormEval.Bound bound, Tensor x, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
    {
        var conv = bound.Conv;
        Tensor w = conv.Weight, gamma = conv.Gamma, beta = conv.Beta, runningMean = conv.RunningMean, runningVar = conv.RunningVar;
        float eps = conv.Eps;
        var backend = x.Backend;
        var g = bound.G;
        int k = g.K, taps = w.ElementCount / k;
        Tensor? dbeta = null;
        if (needs[1] || needs[2])
        {
            dbeta = Tensor.Empty(backend, beta.Shape);
            backend.BiasBackward(g.N, k, g.OutH * g.OutW, gy.Buffer, dbeta.Buffer);
        }
        if (needs[0] || needs[1])
        {
            using var raw = Tensor.Empty(backend, w.Shape);
            backend.Conv2dBackwardFilter(g, x.Buffer, gy.Buffer, raw.Buffer);
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, w.Shape);
                using var zero = Tensor.Zeros(backend, gamma.Shape);
                ScaleRowsByNorm(backend, k, taps, raw, gamma, runningVar, eps, zero, grads[0]!);
            }
            if (needs[1])
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
                grads[1] = Tensor.Empty(backend, gamma.Shape);
                ScaleRowsByNorm(backend, k, 1, rowSums, ones, runningVar, eps, zero, grads[1]!);
            }
        }
        if (dbeta is not null) grads[2] = KeepIfNeeded(dbeta, needs[2]);
    }
}
