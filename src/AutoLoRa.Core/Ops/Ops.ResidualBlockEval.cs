namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// A ResNet basic block in eval mode as one op:
    /// <code>
    ///   h = relu(conv₁(x))        y = relu(conv₂(h) + s),   s = conv_p(x) with a projection, else x itself
    /// </code>
    /// with each convolution's batch-norm folded in (<see cref="ConvBatchNormEval"/>). Equal to
    /// <c>AddRelu(Conv2dBatchNormEval(Relu(Conv2dBatchNormEval(x, first)), second), s)</c>, but the
    /// ReLUs and the residual add run in the convolutions' output stages
    /// (<see cref="Backends.Backend.Conv2dForwardFused"/>), and so do, backward, the mask of the
    /// inner ReLU and the shortcut's gradient sum (<see cref="Backends.Backend.Conv2dBackwardDataFused"/>):
    /// <code>
    ///   gz = gy ⊙ [y &gt; 0]     gh = conv₂_backward_data(gz) ⊙ [h &gt; 0]     dx = conv₁_backward_data(gh) + (gz, or conv_p_backward_data(gz))
    /// </code>
    /// Of the five passes over the activations the unfused block makes in an attack's step (Relu,
    /// AddRelu, their backwards, the gradient sum) one remains, gz, and the block above removes it
    /// by masking the dx it writes (<see cref="Autograd.ReluMasks"/>); with the projection inside the
    /// op its data gradient is the addend of dx's output stage too, where as an op of its own it
    /// reached x by the tape's gradient sum (one more pass over x's gradient). Gradients reach x
    /// and every convolution's w, γ, β; inputs (x, w₁, γ₁, β₁, w₂, γ₂, β₂[, w_p, γ_p, β_p]).
    /// </summary>
    public static Tensor ResidualBlockEval(Tensor x, in ConvBatchNormEval first, in ConvBatchNormEval second, in ConvBatchNormEval? projection = null)
    {
        const string op = "residual_block_eval";
        var backend = SameBackend(op, x, first.Folded, second.Folded);
        var one = first.Geometry(x);
        var h = Tensor.Empty(backend, new Shape(one.G.N, one.G.K, one.G.OutH, one.G.OutW));
        var two = second.Geometry(h);
        var outputShape = new Shape(two.G.N, two.G.K, two.G.OutH, two.G.OutW);
        ConvBatchNormEval.Bound? shortcut = null;
        if (projection is { } p)
        {
            SameBackend(op, x, p.Folded);
            var bound = p.Geometry(x);
            if (new Shape(bound.G.N, bound.G.K, bound.G.OutH, bound.G.OutW) != outputShape)
            {
                throw new ArgumentException($"{op}: the projection of {x.Describe()} by {p.Weight.Describe()} must have the block's output shape {outputShape}.");
            }
            shortcut = bound;
        }
        else if (x.Shape != outputShape)
        {
            throw new ArgumentException($"{op}: the identity shortcut {x.Describe()} must have the block's output shape {outputShape}; a block that changes shape needs a projection.");
        }
        backend.Conv2dForwardFused(one.G, x.Buffer, first.Folded.Buffer, first.Shift.Buffer, null, relu: true, h.Buffer);
        var y = Tensor.Empty(backend, outputShape);
        if (shortcut is { } s)
        {
            using var projected = Tensor.Empty(backend, outputShape);
            backend.Conv2dForward(s.G, x.Buffer, s.Conv.Folded.Buffer, s.Conv.Shift.Buffer, projected.Buffer);
            backend.Conv2dForwardFused(two.G, h.Buffer, second.Folded.Buffer, second.Shift.Buffer, projected.Buffer, relu: true, y.Buffer);
            var conv = s.Conv;
            return GradMode.Record(y, op,
                [x, first.Weight, first.Gamma, first.Beta, second.Weight, second.Gamma, second.Beta, conv.Weight, conv.Gamma, conv.Beta],
                new ResidualBlockEvalBackward(one, two, s, h, y), rectifiedOutput: true);
        }
        backend.Conv2dForwardFused(two.G, h.Buffer, second.Folded.Buffer, second.Shift.Buffer, x.Buffer, relu: true, y.Buffer);
        return GradMode.Record(y, op, [x, first.Weight, first.Gamma, first.Beta, second.Weight, second.Gamma, second.Beta],
            new ResidualBlockEvalBackward(one, two, null, h, y), rectifiedOutput: true);
    }

    /// <summary>
    /// The gradients of <see cref="ResidualBlockEval"/> (see there). y is a ReLU's output, so gz arrives
    /// masked when the block above applied the mask while writing its dx; and x is one too (the stem's,
    /// or the block below's), so this dx carries [x &gt; 0] when the engine allows it (<see cref="ReluMasks"/>):
    /// then the one pass per block left is gone, but for the last block's.
    /// </summary>
    private readonly struct ResidualBlockEvalBackward(ConvBatchNormEval.Bound first, ConvBatchNormEval.Bound second,
        ConvBatchNormEval.Bound? projection, Tensor h, Tensor y) : IReluMaskingRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads, ReluMasks masks)
        {
            Tensor x = inputs[0];
            var backend = x.Backend;
            using var maskedHere = masks.MaskOutputGradient(y, gy);
            var gz = maskedHere ?? gy;
            ParameterGradients(second, h, gz, needs[4..7], grads[4..7]);
            if (projection is { } p) ParameterGradients(p, x, gz, needs[7..10], grads[7..10]);
            if (!(needs[0] || needs[1] || needs[2] || needs[3])) return;
            using var gh = Tensor.Empty(backend, h.Shape);
            backend.Conv2dBackwardDataFused(second.G, gz.Buffer, second.Conv.Folded.Buffer, null, h.Buffer, gh.Buffer);
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                var xMask = masks.MayMask(0) ? x.Buffer : null;
                if (projection is { } q)
                {
                    using var gs = Tensor.Empty(backend, x.Shape);
                    backend.Conv2dBackwardData(q.G, gz.Buffer, q.Conv.Folded.Buffer, gs.Buffer);
                    backend.Conv2dBackwardDataFused(first.G, gh.Buffer, first.Conv.Folded.Buffer, gs.Buffer, xMask, grads[0]!.Buffer);
                }
                else
                {
                    backend.Conv2dBackwardDataFused(first.G, gh.Buffer, first.Conv.Folded.Buffer, gz.Buffer, xMask, grads[0]!.Buffer);
                }
                if (xMask is not null) masks.Masked(0);
            }
            ParameterGradients(first, x, gh, needs[1..4], grads[1..4]);
        }
    }
}
