using AutoLoRa.Core.Diagnostics;

namespace AutoLoRa.Core.Autograd;

/// <summary>
/// Computes the gradients of an operation's inputs from the gradient of its output. Writes a
/// tensor into gradInputs[i] only where needsGrad[i]; it may write gradOutput itself when the
/// gradient passes through unchanged (the engine then shares it safely).
/// </summary>
internal delegate void BackwardFunction(Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs);

/// <summary>One recorded operation on the tape: its inputs and its backward rule.</summary>
internal sealed class GradNode(string op, Tensor[] inputs, BackwardFunction backward)
{
    public string Op { get; } = op;

    public Tensor[] Inputs { get; } = inputs;

    public BackwardFunction Backward { get; } = backward;

    /// <summary>The profiler's layer label when the node was recorded, so its backward is charged to the same layer.</summary>
    public string? Layer { get; } = OpProfiler.CurrentLayer;
}
