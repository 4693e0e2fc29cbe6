using System.Runtime.CompilerServices;
using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Core.Autograd;

/// <summary>
/// One recorded operation on the tape: its inputs and its backward rule. Nodes are pooled per
/// thread and rule type, so a steady training loop records its tape without allocating.
/// <para>
/// Ownership: a node belongs to the one tensor it is attached to (<see cref="Tensor.AttachNode"/>);
/// that tensor's <see cref="Tensor.Dispose"/> detaches it and calls <see cref="Release"/>, which
/// clears every reference the node holds and returns it to its pool. Nothing else keeps a node:
/// the engine reaches nodes only through live tensors, so a released node cannot be reached again
/// (and <see cref="Backward"/> checks it, should that rule ever be broken).
/// </para>
/// </summary>
internal abstract class GradNode
{
    /// <summary>The most inputs an operation records (the eval-mode residual block with a projection shortcut: x and three convolutions' w, γ, β).</summary>
    public const int MaxInputs = 10;

    private InputSlots _inputs;
    private int _inputCount;

    /// <summary>The operation's name, for error messages.</summary>
    public string Op { get; private set; } = "";

    /// <summary>The profiler's layer label when the node was recorded, so its backward is charged to the same layer.</summary>
    public string? Layer { get; private set; }

    /// <summary>
    /// The output is a ReLU's (y = max(z, 0)) and the rule begins by masking its gradient with [y &gt; 0]:
    /// a consumer of y may hand that gradient back masked already (<see cref="ReluMasks"/>).
    /// </summary>
    public bool RectifiedOutput { get; private set; }

    /// <summary>False once released to the pool; a released node is never run.</summary>
    protected bool IsLive { get; private set; }

    public ReadOnlySpan<Tensor> Inputs => ((ReadOnlySpan<Tensor>)_inputs)[.._inputCount];

    /// <summary>Runs the rule: see <see cref="IBackwardRule.Backward"/> and <see cref="IReluMaskingRule.Backward"/>.</summary>
    public void Backward(Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks)
    {
        if (!IsLive) throw new InvalidOperationException($"Backward of a {Op} node that was already released (its output tensor was disposed).");
        Run(gradOutput, needsGrad, gradInputs, masks);
    }

    /// <summary>Clears the node and returns it to its pool; called once, by the owning tensor's Dispose.</summary>
    public void Release()
    {
        if (!IsLive) throw new InvalidOperationException($"A {Op} node was released twice.");
        ((Span<Tensor>)_inputs).Clear();
        _inputCount = 0;
        Layer = null;
        RectifiedOutput = false;
        IsLive = false;
        ReturnToPool();
    }

    protected abstract void Run(Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks);

    /// <summary>Drops the rule's references and puts the node on its type's free list.</summary>
    protected abstract void ReturnToPool();

    protected void Initialize(string op, ReadOnlySpan<Tensor> inputs, bool rectifiedOutput)
    {
        if (inputs.Length > MaxInputs) throw new ArgumentException($"{op} records {inputs.Length} inputs; a node holds at most {MaxInputs}.");
        inputs.CopyTo(_inputs);
        _inputCount = inputs.Length;
        Op = op;
        Layer = OpProfiler.CurrentLayer;
        RectifiedOutput = rectifiedOutput;
        IsLive = true;
    }

    [InlineArray(MaxInputs)]
    private struct InputSlots
    {
        private Tensor _element;
    }
}

/// <summary>
/// A node whose backward rule is <typeparamref name="TRule"/>; one free list per thread and rule type.
/// A rule that takes no part in passing ReLU masks is recorded as <see cref="PlainRule{TRule}"/>.
/// </summary>
internal sealed class GradNode<TRule> : GradNode where TRule : struct, IReluMaskingRule
{
    [ThreadStatic] private static GradNode<TRule>? t_free;

    private TRule _rule;
    private GradNode<TRule>? _nextFree;

    private GradNode()
    {
    }

    /// <summary>
    /// A node for <paramref name="op"/> from this thread's pool (or a new one while the pool is still
    /// filling); <paramref name="rectifiedOutput"/> when the output is a ReLU's, so that its gradient may
    /// arrive already masked.
    /// </summary>
    public static GradNode<TRule> Rent(string op, ReadOnlySpan<Tensor> inputs, in TRule rule, bool rectifiedOutput)
    {
        var node = t_free ?? new GradNode<TRule>();
        t_free = node._nextFree;
        node._nextFree = null;
        node.Initialize(op, inputs, rectifiedOutput);
        node._rule = rule;
        return node;
    }

    protected override void Run(Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks) =>
        _rule.Backward(Inputs, gradOutput, needsGrad, gradInputs, masks);

    protected override void ReturnToPool()
    {
        _rule = default;
        _nextFree = t_free;
        t_free = this;
    }
}

/// <summary>
/// A rule that neither receives a masked gradient (its output is no ReLU's) nor returns one, as a
/// masking rule: a struct over the struct, so the call still compiles to the rule's own code, unboxed.
/// </summary>
internal readonly struct PlainRule<TRule>(TRule rule) : IReluMaskingRule where TRule : struct, IBackwardRule
{
    public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks) =>
        rule.Backward(inputs, gradOutput, needsGrad, gradInputs);
}
