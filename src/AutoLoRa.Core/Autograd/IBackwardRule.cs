namespace AutoLoRa.Core.Autograd;

/// <summary>
/// An operation's backward rule together with what it needs from the forward pass (saved tensors,
/// geometry, scalars) as fields. A struct, so that recording an operation copies it into a pooled
/// <see cref="GradNode{TRule}"/> instead of allocating a closure and a delegate per call.
/// </summary>
internal interface IBackwardRule
{
    /// <summary>
    /// Computes the gradients of <paramref name="inputs"/> from the gradient of the output. Writes a
    /// tensor into gradInputs[i] only where needsGrad[i]; it may write gradOutput itself when the
    /// gradient passes through unchanged (the engine then shares it safely).
    /// </summary>
    void Backward(ReadOnlySpan<Tensor> inputs, Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs);
}

/// <summary>
/// A backward rule that takes part in passing ReLU masks (<see cref="ReluMasks"/>): one whose output
/// is a ReLU's, which skips its mask when the gradient arrives masked, or one that can apply an
/// input's mask in the output stage that writes the input's gradient, or both. Recorded with
/// <see cref="GradMode.Record{TRule}(Tensor, string, ReadOnlySpan{Tensor}, in TRule, bool)"/>.
/// </summary>
internal interface IReluMaskingRule
{
    /// <summary>As <see cref="IBackwardRule.Backward"/>, with what the engine knows of the masks (see <see cref="ReluMasks"/>).</summary>
    void Backward(ReadOnlySpan<Tensor> inputs, Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks);
}
