namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// A ResNet basic block in eval mode as one op:
    /// <code>
    ///   h = relu(conv₁(x))        y = relu(conv₂(h) + s),   s = shortcut, or x itself when null
    /// </code>
    /// with each convolution's batch-norm folded in (<see cref="ConvBatchNormEval"/>). Equal to
    /// <c>AddRelu(Conv2dBatchNormEval(Relu(Conv2dBatchNormEval(x, first)), second), s)</c>, but the
    /// ReLUs and the residual add run in the convolutions' output stages
    /// (<see cref="Backends.Backend.Conv2dForwardFused"/>), and so do, backward, the mask of the
    /// inner ReLU and the identity shortcut's gradient sum (<see cref="Backends.Backend.Conv2dBackwardDataFused"/>):
    /// <code>
    ///   gz = gy ⊙ [y &gt; 0]     gh = conv₂_backward_data(gz) ⊙ [h &gt; 0]     dx = conv₁_backward_data(gh) (+ gz for the identity)
    /// </code>
    /// Of the five passes over the activations the unfused block makes in an attack's step (Relu,
    /// AddRelu, their backwards, the gradient sum) one remains, gz. Gradients reach x, both
    /// convolutions' w, γ, β, and the shortcut (gz); inputs (x, w₁, γ₁, β₁, w₂, γ₂, β₂[, s]).
    /// </summary>
    public static Tensor ResidualBlockEval(Tensor x, in ConvBatchNormEval first, in ConvBatchNormEval second, Tensor? shortcut = null)
    {
        const string op = "residual_block_eval";
        var backend = SameBackend(op, x, first.Folded, second.Folded);
        var one = first.Geometry(x);
        var h = Tensor.Empty(backend, new Shape(one.G.N, one.G.K, one.G.OutH, one.G.OutW));
        var two = second.Geometry(h);
        var outputShape = new Shape(two.G.N, two.G.K, two.G.OutH, two.G.OutW);
        var residual = shortcut ?? x;
        if (residual.Shape != outputShape)
        {
            throw new ArgumentException($"{op}: the shortcut {residual.Describe()} must have the block's output shape {outputShape}.");
        }
        backend.Conv2dForwardFused(one.G, x.Buffer, first.Folded.Buffer, first.Shift.Buffer, null, relu: true, h.Buffer);
        var y = Tensor.Empty(backend, outputShape);
        backend.Conv2dForwardFused(two.G, h.Buffer, second.Folded.Buffer, second.Shift.Buffer, residual.Buffer, relu: true, y.Buffer);
        var rule = new ResidualBlockEvalBackward(one, two, h, y);
        return shortcut is null
            ? GradMode.Record(y, op, [x, first.Weight, first.Gamma, first.Beta, second.Weight, second.Gamma, second.Beta], rule)
            : GradMode.Record(y, op, [x, first.Weight, first.Gamma, first.Beta, second.Weight, second.Gamma, second.Beta, shortcut], rule);
    }

    /// <summary>The gradients of <see cref="ResidualBlockEval"/> (see there).</summary>
    private readonly struct ResidualBlockEvalBackward(ConvBatchNormEval.Bound first, ConvBatchNormEval.Bound second, Tensor h, Tensor y)
        : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0];
            var backend = x.Backend;
            bool identity = inputs.Length == 7;
            var gz = Tensor.Empty(backend, y.Shape);
            backend.ReluBackward(y.ElementCount, y.Buffer, gy.Buffer, gz.Buffer);
            ParameterGradients(second, h, gz, needs[4..7], grads[4..7]);
            if (needs[0] || needs[1] || needs[2] || needs[3])
            {
                using var gh = Tensor.Empty(backend, h.Shape);
                backend.Conv2dBackwardDataFused(second.G, gz.Buffer, second.Conv.Folded.Buffer, null, h.Buffer, gh.Buffer);
                if (needs[0])
                {
                    grads[0] = Tensor.Empty(backend, x.Shape);
                    backend.Conv2dBackwardDataFused(first.G, gh.Buffer, first.Conv.Folded.Buffer, identity ? gz.Buffer : null, null, grads[0]!.Buffer);
                }
                ParameterGradients(first, x, gh, needs[1..4], grads[1..4]);
            }
            if (identity || !needs[7]) gz.Dispose();
            else grads[7] = gz;
        }
    }
}
