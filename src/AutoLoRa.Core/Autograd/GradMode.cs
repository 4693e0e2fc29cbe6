namespace AutoLoRa.Core.Autograd;

/// <summary>Whether operations on this thread record the tape.</summary>
public static class GradMode
{
    [ThreadStatic] private static int s_disabledDepth;

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
        public void Dispose() => s_disabledDepth--;
    }

    /// <summary>
    /// Records <paramref name="output"/> as produced by <paramref name="op"/> from the inputs when
    /// recording is on and an input requires a gradient; otherwise leaves it a plain tensor.
    /// </summary>
    internal static Tensor Record(Tensor output, string op, Tensor[] inputs, BackwardFunction backward)
    {
        if (!IsEnabled) return output;
        foreach (var input in inputs)
        {
            if (input.RequiresGrad)
            {
                output.AttachNode(new GradNode(op, inputs, backward));
                return output;
            }
        }
        return output;
    }
}
