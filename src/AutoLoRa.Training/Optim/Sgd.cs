namespace AutoLoRa.Training.Optim;

/// <summary>
/// PyTorch's SGD with momentum and L2 weight decay, one fused primitive per parameter:
/// d = g + wd·p; v = μ·v + d; p −= lr·v. Velocities start at zero and live as long as the optimizer
/// (they are checkpointed so a resumed run continues exactly).
/// </summary>
public sealed class Sgd : IDisposable
{
    private readonly (Tensor Parameter, Tensor Velocity)[] _state;

    public Sgd(IEnumerable<Tensor> parameters, float learningRate, float momentum = 0.9f, float weightDecay = 1e-4f)
    {
        _state = parameters.Select(p => (p, TensorScope.Keep(Tensor.Zeros(p.Backend, p.Shape)))).ToArray();
        if (_state.Length == 0) throw new ArgumentException("SGD needs at least one parameter.", nameof(parameters));
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    public float LearningRate { get; set; }

    public float Momentum { get; }

    public float WeightDecay { get; }

    /// <summary>Momentum buffers in parameter order (for checkpoints).</summary>
    public IReadOnlyList<Tensor> Velocities => _state.Select(s => s.Velocity).ToArray();

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

    public void Dispose()
    {
        foreach (var (_, v) in _state) v.Dispose();
    }
}
