using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Core.Autograd;

/// <summary>
/// Reverse-mode differentiation over the recorded graph. Two entry points: <see cref="Run"/>
/// accumulates into every leaf's Grad (training), <see cref="Grad(Tensor, Tensor[])"/> returns the gradients of
/// chosen tensors only and leaves parameter gradients untouched — and, because only nodes on a
/// path to those tensors are visited, an attack's input gradient never computes weight gradients.
/// </summary>
public static class Backward
{
    /// <summary>
    /// Back-propagates from a scalar into the Grad of every leaf that requires one. A leaf's gradient
    /// is complete when the reverse topological sweep reaches it (all its consumers come later in the
    /// forward order), so it is accumulated there and then, and <paramref name="listener"/> is told.
    /// </summary>
    public static void Run(Tensor root, IGradientReadyListener? listener = null)
    {
        var workspace = Workspace.Rent();
        try
        {
            Propagate(root, targets: [], workspace, listener);
        }
        finally
        {
            Workspace.Return(workspace);
        }
    }

    /// <summary>
    /// d root / d target for each target, as new tensors in the current scope. A target the root does
    /// not depend on gets a zero gradient.
    /// </summary>
    public static Tensor[] Grad(Tensor root, params Tensor[] targets)
    {
        RequireGradients(targets);
        if (targets.Length == 0) return [];
        var result = new Tensor[targets.Length];
        var workspace = Workspace.Rent();
        try
        {
            var reached = Propagate(root, targets, workspace);
            for (int i = 0; i < targets.Length; i++) result[i] = GradientOf(targets[i], reached);
        }
        finally
        {
            Workspace.Return(workspace);
        }
        return result;
    }

    /// <summary>d root / d target for one target (what an attack asks for every step), without the arrays of the general form.</summary>
    public static Tensor Grad(Tensor root, Tensor target)
    {
        RequireGradients([target]);
        var workspace = Workspace.Rent();
        try
        {
            return GradientOf(target, Propagate(root, [target], workspace));
        }
        finally
        {
            Workspace.Return(workspace);
        }
    }

    private static void RequireGradients(ReadOnlySpan<Tensor> targets)
    {
        foreach (var t in targets)
        {
            if (!t.RequiresGrad) throw new ArgumentException($"Gradient requested for {t.Describe()}, which does not require a gradient.", nameof(targets));
        }
    }

    private static Tensor GradientOf(Tensor target, Dictionary<Tensor, Tensor> reached) =>
        reached.TryGetValue(target, out var g) ? g : Tensor.Zeros(target.Backend, target.Shape);

    /// <summary>
    /// Runs the backward rules in reverse topological order. With no targets, each leaf's gradient
    /// goes into its Grad as soon as it is complete (and the listener hears of it); with targets, the
    /// gradients that reached the targets are returned in a dictionary that belongs to the workspace,
    /// so read it before returning the workspace.
    /// </summary>
    private static Dictionary<Tensor, Tensor> Propagate(Tensor root, ReadOnlySpan<Tensor> targets, Workspace workspace,
        IGradientReadyListener? listener = null)
    {
        if (root.ElementCount != 1) throw new InvalidOperationException($"Backward needs a scalar; {root.Describe()} has {root.ElementCount} elements.");
        if (!root.RequiresGrad) throw new InvalidOperationException($"{root.Describe()} does not require a gradient: no input of its graph requires one, or it was computed under NoGrad.");

        var order = TopologicalOrder(root, workspace);
        var needed = NeededTensors(order, targets, workspace.Needed);
        HashSet<Tensor>? targetSet = null;
        if (!targets.IsEmpty)
        {
            targetSet = workspace.Targets;
            foreach (var t in targets) targetSet.Add(t);
        }

        var pending = workspace.Pending;
        pending[root] = Tensor.Full(root.Backend, root.Shape, 1f);
        // The tensors whose pending gradient already carries their ReLU mask (see ReluMasks).
        var maskedPending = workspace.MaskedPending;
        var reached = workspace.Reached;

        using (GradMode.NoGrad())
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var tensor = order[i];
                if (!pending.Remove(tensor, out var grad)) continue;
                // Leaves and targets collect their gradient; a computed target still passes it on,
                // since another target may lie behind it.
                bool isTarget = targetSet?.Contains(tensor) ?? false;
                if (tensor.Node is null && targetSet is null)
                {
                    AccumulateIntoLeaf(tensor, grad);
                    listener?.GradientReady(tensor);
                    continue;
                }
                if (tensor.Node is null || isTarget) reached[tensor] = grad;
                if (tensor.Node is null) continue;

                var node = tensor.Node!;
                var inputs = node.Inputs;
                int count = inputs.Length;
                var needs = workspace.Needs(count);
                for (int k = 0; k < count; k++) needs[k] = needed.Contains(inputs[k]);
                var inputGrads = workspace.InputGrads(count);
                var maskable = workspace.Maskable(count);
                var masked = workspace.Masked(count);
                for (int k = 0; k < count; k++)
                {
                    maskable[k] = needs[k] && inputs[k].Node is { RectifiedOutput: true } && !(targetSet?.Contains(inputs[k]) ?? false);
                }
                var masks = new ReluMasks(maskedPending.Remove(tensor), maskable, masked);
                using (OpProfiler.Layer(node.Layer)) node.Backward(grad, needs, inputGrads, masks);
                bool handedOver = false;

                for (int k = 0; k < count; k++)
                {
                    var g = inputGrads[k];
                    if (g is null || !needs[k]) continue;
                    // Pending gradients are accumulated in place, so two of them must never share
                    // storage: the first pass-through (or view) of grad takes its storage over, the
                    // others get copies. A target's gradient is returned to the caller, so never taken.
                    if (ReferenceEquals(g.Buffer, grad.Buffer))
                    {
                        if (isTarget || handedOver)
                        {
                            var copy = Copy(grad);
                            if (!ReferenceEquals(g, grad)) g.Dispose();
                            g = copy;
                        }
                        else if (ReferenceEquals(g, grad))
                        {
                            g = grad.Detach();
                        }
                        handedOver |= !isTarget;
                    }
                    CheckShape(node, inputs[k], g);
                    if (pending.TryGetValue(inputs[k], out var existing))
                    {
                        Accumulate(existing, g);
                        g.Dispose();
                        // Masked plus unmasked is neither: the producer masks the sum again (see ReluMasks).
                        if (!masked[k]) maskedPending.Remove(inputs[k]);
                    }
                    else
                    {
                        pending[inputs[k]] = g;
                        if (masked[k]) maskedPending.Add(inputs[k]);
                    }
                }
                if (!isTarget) grad.Dispose();
            }
        }
        return reached;
    }

    private static void CheckShape(GradNode node, Tensor input, Tensor grad)
    {
        if (grad.Shape != input.Shape)
        {
            throw new InvalidOperationException($"Backward of {node.Op} produced a gradient of shape {grad.Shape} for input {input.Describe()}.");
        }
    }

    private static Tensor Copy(Tensor source)
    {
        var copy = Tensor.Empty(source.Backend, source.Shape);
        source.Backend.Copy(source.Buffer, copy.Buffer, source.ElementCount);
        return copy;
    }

    /// <summary>Adds a leaf's gradient of this pass to its Grad (taking the tensor over when there is none yet).</summary>
    private static void AccumulateIntoLeaf(Tensor leaf, Tensor grad)
    {
        if (leaf.Grad is null)
        {
            leaf.Grad = TensorScope.Keep(grad);
        }
        else
        {
            Accumulate(leaf.Grad, grad);
            grad.Dispose();
        }
    }

    /// <summary>existing += addition, in place.</summary>
    private static void Accumulate(Tensor existing, Tensor addition)
    {
        if (existing.Shape != addition.Shape) throw new InvalidOperationException($"Cannot accumulate gradient {addition.Shape} into {existing.Describe()}.");
        existing.Backend.Axpby(existing.ElementCount, 1f, existing.Buffer, 1f, addition.Buffer, existing.Buffer);
    }

    /// <summary>Tensors of the graph, every tensor after all of its inputs (iterative DFS; graphs can be deep).</summary>
    private static List<Tensor> TopologicalOrder(Tensor root, Workspace workspace)
    {
        var order = workspace.Order;
        var visited = workspace.Visited;
        var stack = workspace.Stack;
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (tensor, next) = stack.Pop();
            var inputs = tensor.Node is { } node ? node.Inputs : [];
            if (next < inputs.Length)
            {
                stack.Push((tensor, next + 1));
                var input = inputs[next];
                if (input.RequiresGrad && visited.Add(input)) stack.Push((input, 0));
            }
            else
            {
                order.Add(tensor);
            }
        }
        return order;
    }

    /// <summary>
    /// Tensors whose gradient must be computed: with no targets, every tensor that requires one;
    /// with targets, only those from which a target can be reached.
    /// </summary>
    private static HashSet<Tensor> NeededTensors(List<Tensor> order, ReadOnlySpan<Tensor> targets, HashSet<Tensor> needed)
    {
        if (targets.IsEmpty)
        {
            foreach (var t in order) needed.Add(t);
            return needed;
        }
        foreach (var t in targets) needed.Add(t);
        // order lists inputs before outputs, so one forward sweep propagates reachability.
        foreach (var t in order)
        {
            if (needed.Contains(t) || t.Node is null) continue;
            foreach (var input in t.Node.Inputs)
            {
                if (needed.Contains(input))
                {
                    needed.Add(t);
                    break;
                }
            }
        }
        return needed;
    }

    /// <summary>
    /// The collections one backward pass needs, kept per thread between passes so that a training
    /// step's backward passes allocate no bookkeeping once the first has sized them.
    /// </summary>
    private sealed class Workspace
    {
        [ThreadStatic] private static Workspace? t_free;

        private bool[] _needs = new bool[GradNode.MaxInputs];
        private bool[] _maskable = new bool[GradNode.MaxInputs];
        private bool[] _masked = new bool[GradNode.MaxInputs];
        private Tensor?[] _inputGrads = new Tensor?[GradNode.MaxInputs];

        public List<Tensor> Order { get; } = [];

        public HashSet<Tensor> Visited { get; } = new(ReferenceEqualityComparer.Instance);

        public Stack<(Tensor Tensor, int NextInput)> Stack { get; } = new();

        public HashSet<Tensor> Needed { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<Tensor, Tensor> Pending { get; } = new(ReferenceEqualityComparer.Instance);

        public HashSet<Tensor> MaskedPending { get; } = new(ReferenceEqualityComparer.Instance);

        public HashSet<Tensor> Targets { get; } = new(ReferenceEqualityComparer.Instance);

        public Dictionary<Tensor, Tensor> Reached { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>This thread's workspace, or a fresh one if it is in use (a backward pass inside a backward rule).</summary>
        public static Workspace Rent()
        {
            var workspace = t_free ?? new Workspace();
            t_free = null;
            return workspace;
        }

        /// <summary>Clears the workspace (it must not keep tensors alive) and keeps it for the next pass.</summary>
        public static void Return(Workspace workspace)
        {
            workspace.Order.Clear();
            workspace.Visited.Clear();
            workspace.Stack.Clear();
            workspace.Needed.Clear();
            workspace.Pending.Clear();
            workspace.MaskedPending.Clear();
            workspace.Targets.Clear();
            workspace.Reached.Clear();
            Array.Clear(workspace._inputGrads);
            t_free = workspace;
        }

        public Span<bool> Needs(int count)
        {
            if (_needs.Length < count) _needs = new bool[count];
            return _needs.AsSpan(0, count);
        }

        /// <summary>Per input of the node about to run: whether its gradient may be returned masked.</summary>
        public Span<bool> Maskable(int count)
        {
            if (_maskable.Length < count) _maskable = new bool[count];
            return _maskable.AsSpan(0, count);
        }

        /// <summary>Per input of the node about to run, cleared: whether the rule returned its gradient masked.</summary>
        public Span<bool> Masked(int count)
        {
            if (_masked.Length < count) _masked = new bool[count];
            var masked = _masked.AsSpan(0, count);
            masked.Clear();
            return masked;
        }

        public Span<Tensor?> InputGrads(int count)
        {
            if (_inputGrads.Length < count) _inputGrads = new Tensor?[count];
            var span = _inputGrads.AsSpan(0, count);
            span.Clear();
            return span;
        }
    }
}
