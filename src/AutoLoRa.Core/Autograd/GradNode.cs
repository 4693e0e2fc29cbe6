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

    /// <summary>The next node of a free list (<see cref="NodePool{TNode}"/>).</summary>
    internal GradNode? NextFree { get; set; }

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

/// <summary>A node whose backward rule is <typeparamref name="TRule"/>; one free list per thread and rule type.</summary>
internal sealed class GradNode<TRule> : GradNode where TRule : struct, IBackwardRule
{
    private TRule _rule;

    private GradNode()
    {
    }

    /// <summary>A node for <paramref name="op"/> from this thread's pool (or a new one while the pool is still filling).</summary>
    public static GradNode<TRule> Rent(string op, ReadOnlySpan<Tensor> inputs, in TRule rule)
    {
        var node = NodePool<GradNode<TRule>>.Take() ?? new GradNode<TRule>();
        node.Initialize(op, inputs, rectifiedOutput: false);
        node._rule = rule;
        return node;
    }

    /// <summary>Runs the rule, which neither receives a masked gradient (its output is no ReLU's) nor returns one.</summary>
    protected override void Run(Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks) =>
        _rule.Backward(Inputs, gradOutput, needsGrad, gradInputs);

    protected override void ReturnToPool()
    {
        _rule = default;
        NodePool<GradNode<TRule>>.Give(this);
    }
}

/// <summary>A node whose rule takes part in passing ReLU masks (<see cref="ReluMasks"/>); pooled as <see cref="GradNode{TRule}"/>.</summary>
internal sealed class MaskingGradNode<TRule> : GradNode where TRule : struct, IReluMaskingRule
{
    private TRule _rule;

    private MaskingGradNode()
    {
    }

    /// <summary>
    /// A node for <paramref name="op"/> from this thread's pool; <paramref name="rectifiedOutput"/> when
    /// the output is a ReLU's, so that its gradient may arrive already masked.
    /// </summary>
    public static MaskingGradNode<TRule> Rent(string op, ReadOnlySpan<Tensor> inputs, in TRule rule, bool rectifiedOutput)
    {
        var node = NodePool<MaskingGradNode<TRule>>.Take() ?? new MaskingGradNode<TRule>();
        node.Initialize(op, inputs, rectifiedOutput);
        node._rule = rule;
        return node;
    }

    protected override void Run(Tensor gradOutput, ReadOnlySpan<bool> needsGrad, Span<Tensor?> gradInputs, ReluMasks masks) =>
        _rule.Backward(Inputs, gradOutput, needsGrad, gradInputs, masks);

    protected override void ReturnToPool()
    {
        _rule = default;
        NodePool<MaskingGradNode<TRule>>.Give(this);
    }
}

/// <summary>This thread's free nodes of one node type (a node type per rule type, so a rule's fields need no boxing).</summary>
internal static class NodePool<TNode> where TNode : GradNode
{
    [ThreadStatic] private static TNode? t_free;

    /// <summary>A released node, or null while the pool is still filling.</summary>
    public static TNode? Take()
    {
        var node = t_free;
        if (node is null) return null;
        t_free = (TNode?)node.NextFree;
        node.NextFree = null;
        return node;
    }

    public static void Give(TNode node)
    {
        node.NextFree = t_free;
        t_free = node;
    }
}
