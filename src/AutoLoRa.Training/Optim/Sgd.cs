namespace AutoLoRa.Training.Optim;

/// <summary>
/// PyTorch's SGD with momentum and L2 weight decay, one fused primitive per parameter:
/// d = g + wd·p; v = μ·v + d; p −= lr·v. Velocities start at zero and live as long as the optimizer
/// (they are checkpointed so a resumed run continues exactly).
/// </summary>
public sealed class Sgd : IOptimizer
{
    private readonly (Tensor Parameter, Tensor Velocity)[] _state;

    /// <summary>SGD with momentum and L2 weight decay over <paramref name="parameters"/>, as PyTorch's <c>torch.optim.SGD</c>.</summary>
    public Sgd(IEnumerable<Tensor> parameters, float learningRate, float momentum = 0.9f, float weightDecay = 1e-4f)
    {
        _state = parameters.Select(p => (p, TensorScope.Keep(Tensor.Zeros(p.Backend, p.Shape)))).ToArray();
        if (_state.Length == 0) throw new ArgumentException("SGD needs at least one parameter.", nameof(parameters));
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    /// <summary>The step size; schedules set it between epochs.</summary>
    public float LearningRate { get; set; }

    /// <summary>Momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>L2 penalty added to each gradient.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> StateNames { get; } = [MomentumBuffer];

    /// <summary>torch.optim.SGD's name for the velocity.</summary>
    private const string MomentumBuffer = "momentum_buffer";

    /// <inheritdoc/>
    public (Shape Shape, float[] Values) ExportState(int parameter, string name) =>
        name == MomentumBuffer ? Optimizers.Export(_state[parameter].Velocity) : throw Optimizers.UnknownState("SGD", name, StateNames);

    /// <inheritdoc/>
    public void ImportState(int parameter, string name, ReadOnlySpan<float> values)
    {
        if (name != MomentumBuffer) throw Optimizers.UnknownState("SGD", name, StateNames);
        Optimizers.Import(_state[parameter].Velocity, name, values);
    }

    /// <summary>Applies one update to every parameter that has a gradient, then clears the gradients.</summary>
    public void Step()
    {
        foreach (var (p, v) in _state)
        {
            if (p.Grad is null) continue;
            p.Backend.SgdMomentumUpdate(p.ElementCount, p.Buffer, p.Grad.Buffer, v.Buffer, LearningRate, Momentum, WeightDecay);
            p.ZeroGrad();
        }
    }

    /// <summary>Clears gradients without updating (e.g. after a skipped step).</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _) in _state) p.ZeroGrad();
    }

    /// <summary>Zeroes the momentum (a restore of earlier weights makes the old velocity meaningless).</summary>
    public void ResetMomentum()
    {
        foreach (var (_, v) in _state) v.Backend.Fill(v.Buffer, 0f);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, v) in _state) v.Dispose();
    }
}
