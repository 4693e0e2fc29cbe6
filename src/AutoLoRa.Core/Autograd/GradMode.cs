namespace AutoLoRa.Core.Autograd;

/// <summary>Whether operations on this thread record the tape.</summary>
public static class GradMode
{
    [ThreadStatic] private static int s_disabledDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope on this thread: ops then record on the tape.</summary>
    public static bool IsEnabled => s_disabledDepth == 0;

    /// <summary>Stops recording until the returned scope is disposed (evaluation, attacks' bookkeeping).</summary>
    public static NoGradScope NoGrad()
    {
        s_disabledDepth++;
        return new NoGradScope();
    }

    /// <summary>Ends a <see cref="NoGrad"/> region.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => s_disabledDepth--;
    }

    /// <summary>
    /// Records <paramref name="output"/> as produced by <paramref name="op"/> from the inputs when
    /// recording is on and an input requires a gradient; otherwise leaves it a plain tensor. The
    /// rule is copied into a pooled node, so recording allocates nothing in steady state.
    /// </summary>
    internal static Tensor Record<TRule>(Tensor output, string op, ReadOnlySpan<Tensor> inputs, in TRule rule)
        where TRule : struct, IBackwardRule
    {
        if (Records(inputs)) output.AttachNode(GradNode<PlainRule<TRule>>.Rent(op, inputs, new PlainRule<TRule>(rule), rectifiedOutput: false));
        return output;
    }

    /// <summary>
    /// <see cref="Record{TRule}(Tensor, string, ReadOnlySpan{Tensor}, in TRule)"/> for a rule that passes
    /// ReLU masks (<see cref="ReluMasks"/>); <paramref name="rectifiedOutput"/> when the output is a
    /// ReLU's and the rule masks its gradient unless it arrives masked.
    /// </summary>
    internal static Tensor Record<TRule>(Tensor output, string op, ReadOnlySpan<Tensor> inputs, in TRule rule, bool rectifiedOutput)
        where TRule : struct, IReluMaskingRule
    {
        if (Records(inputs)) output.AttachNode(GradNode<TRule>.Rent(op, inputs, rule, rectifiedOutput));
        return output;
    }

    /// <summary>Whether an op on these inputs is recorded: recording is on and an input requires a gradient.</summary>
    private static bool Records(ReadOnlySpan<Tensor> inputs)
    {
        if (!IsEnabled) return false;
        foreach (var input in inputs)
        {
            if (input.RequiresGrad) return true;
        }
        return false;
    }
}
