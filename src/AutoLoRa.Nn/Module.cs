using AutoLoRa.Core;

namespace AutoLoRa.Nn;

/// <summary>
/// A layer or model: named parameters and buffers, child modules, and a train/eval mode, with
/// PyTorch's state-dict naming (child names joined by dots: <c>layer1.0.bn1.running_var</c>).
/// Owns its tensors: disposing a module disposes its parameters, buffers and children.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Tensor Tensor)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>
    /// This module's path in its model once <see cref="LabelForProfiling"/> ran: layers charge their
    /// primitives to it in an <see cref="Core.Profiling.OpProfiler"/> profile.
    /// </summary>
    protected string? ProfileLabel { get; private set; }

    /// <summary>Names every module of the tree after its state-dict path, for per-layer profiles.</summary>
    public void LabelForProfiling()
    {
        foreach (var (path, module) in NamedModules()) module.ProfileLabel = path.Length == 0 ? GetType().Name : path;
    }

    /// <summary>True in training mode (batch statistics), false in eval mode (running statistics).</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Switches this module and its children to training or eval mode.</summary>
    public void Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
    }

    /// <summary>Switches this module and its children to eval mode (running statistics, no updates).</summary>
    public void Eval() => Train(false);

    private int _weightsFrozen;

    /// <summary>
    /// Whether a <see cref="FreezeWeights"/> scope is open over this module: its layers may then
    /// keep what they derive from their weights (the batch-norm folded into a convolution's filter
    /// in eval mode) from call to call instead of deriving it per call.
    /// </summary>
    public bool WeightsFrozen => _weightsFrozen > 0;

    /// <summary>
    /// Opens a scope (dispose it) in which the caller promises that no parameter or buffer of this
    /// module changes — an attack's iterations, an evaluation — so layers derive from their weights
    /// once per scope. What they keep is dropped when the outermost scope opens and when it closes,
    /// so a weight update between two scopes is always seen. Scopes nest.
    /// </summary>
    public FrozenWeights FreezeWeights()
    {
        SetFrozen(+1);
        return new FrozenWeights(this);
    }

    /// <summary>The scope of <see cref="FreezeWeights"/>; a struct, so opening one allocates nothing.</summary>
    public readonly struct FrozenWeights : IDisposable
    {
        private readonly Module? _module;

        internal FrozenWeights(Module module) => _module = module;

        /// <summary>Ends the promise: the module's layers drop what they derived when this was the outermost scope.</summary>
        public void Dispose() => _module?.SetFrozen(-1);
    }

    private void SetFrozen(int change)
    {
        _weightsFrozen += change;
        if (_weightsFrozen == 0 || (_weightsFrozen == 1 && change > 0)) WeightsUnfrozen();
        foreach (var (_, child) in _children) child.SetFrozen(change);
    }

    /// <summary>Called when the outermost <see cref="FreezeWeights"/> scope opens or closes: drop whatever was derived from the weights.</summary>
    protected virtual void WeightsUnfrozen()
    {
    }

    /// <summary>Trainable tensors by state-dict name, depth first in registration order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters() => Walk(m => m._parameters);

    /// <summary>Non-trainable state (running statistics) by state-dict name.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers() => Walk(m => m._buffers);

    /// <summary>Every trainable parameter, children's included, in state-dict order.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>This module's own parameters (not its children's), in registration order.</summary>
    internal IReadOnlyList<(string Name, Tensor Tensor)> OwnParameters => _parameters;

    /// <summary>This module's own buffers (not its children's), in registration order.</summary>
    internal IReadOnlyList<(string Name, Tensor Tensor)> OwnBuffers => _buffers;

    /// <summary>Every module of the tree with its dotted path ("" for this one).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
        {
            foreach (var item in child.NamedModules(Join(prefix, name))) yield return item;
        }
    }

    /// <summary>Adds a trainable parameter under <paramref name="name"/> in the state dict; returns it.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        tensor.RequiresGrad = true;
        tensor.Name = name;
        _parameters.Add((name, TensorScope.Keep(tensor)));
        return tensor;
    }

    /// <summary>Adds a non-trainable state tensor (e.g. running statistics) under <paramref name="name"/>; returns it.</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        tensor.Name = name;
        _buffers.Add((name, TensorScope.Keep(tensor)));
        return tensor;
    }

    /// <summary>Adds a child module under <paramref name="name"/> (its keys get the prefix "name."); returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        module.Train(IsTraining);
        return module;
    }

    /// <summary>Swaps the child registered under <paramref name="name"/> for another, disposing the old one.</summary>
    protected T ReplaceModule<T>(string name, T module) where T : Module
    {
        int index = _children.FindIndex(c => c.Name == name);
        if (index < 0) throw new ArgumentException($"No child module named '{name}'.", nameof(name));
        _children[index].Module.Dispose();
        _children[index] = (name, module);
        module.Train(IsTraining);
        return module;
    }

    /// <summary>Removes and disposes the child registered under <paramref name="name"/>.</summary>
    protected void RemoveModule(string name)
    {
        int index = _children.FindIndex(c => c.Name == name);
        if (index < 0) throw new ArgumentException($"No child module named '{name}'.", nameof(name));
        _children[index].Module.Dispose();
        _children.RemoveAt(index);
    }

    /// <summary>Removes a parameter (used when LoRA is merged away); the caller disposes it.</summary>
    protected void UnregisterParameter(Tensor tensor) => _parameters.RemoveAll(p => ReferenceEquals(p.Tensor, tensor));

    /// <summary>Disposes the parameters, buffers and child modules.</summary>
    public virtual void Dispose()
    {
        foreach (var (_, t) in _parameters) t.Dispose();
        foreach (var (_, t) in _buffers) t.Dispose();
        foreach (var (_, m) in _children) m.Dispose();
        GC.SuppressFinalize(this);
    }

    private IEnumerable<(string Name, Tensor Tensor)> Walk(Func<Module, List<(string, Tensor)>> select)
    {
        foreach (var (path, module) in NamedModules())
        {
            foreach (var (name, tensor) in select(module)) yield return (Join(path, name), tensor);
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
