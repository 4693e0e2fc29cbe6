namespace AutoLoRa.Training.Optim;

/// <summary>
/// PyTorch's AdamW (amsgrad off): decoupled weight decay p ·= 1 − lr·wd, then the Adam step with
/// bias-corrected moments, one fused primitive per parameter (<c>Backend.AdamWUpdate</c>). The
/// bias corrections 1 − βᵗ are computed here in double, as torch.optim.AdamW computes them in
/// Python. Moments start at zero and live as long as the optimizer. Defaults are PyTorch's.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly (Tensor Parameter, Tensor M, Tensor V)[] _state;

    // Per parameter, as PyTorch's state['step']: a parameter without a gradient is not stepped.
    private readonly int[] _steps;

    public AdamW(IEnumerable<Tensor> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float eps = 1e-8f, float weightDecay = 1e-2f)
    {
        _state = parameters.Select(p => (p, TensorScope.Keep(Tensor.Zeros(p.Backend, p.Shape)), TensorScope.Keep(Tensor.Zeros(p.Backend, p.Shape)))).ToArray();
        if (_state.Length == 0) throw new ArgumentException("AdamW needs at least one parameter.", nameof(parameters));
        _steps = new int[_state.Length];
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
    }

    public float LearningRate { get; set; }

    public float Beta1 { get; }

    public float Beta2 { get; }

    public float Eps { get; }

    public float WeightDecay { get; }

    /// <summary>Applies one update to every parameter that has a gradient, then clears the gradients.</summary>
    public void Step()
    {
        for (int i = 0; i < _state.Length; i++)
        {
            var (p, m, v) = _state[i];
            if (p.Grad is null) continue;
            int t = ++_steps[i];
            float stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, t)));
            float bias2Sqrt = (float)Math.Sqrt(1 - Math.Pow(Beta2, t));
            p.Backend.AdamWUpdate(p.ElementCount, p.Buffer, p.Grad.Buffer, m.Buffer, v.Buffer, LearningRate, Beta1, Beta2, Eps, WeightDecay, stepSize, bias2Sqrt);
            p.ZeroGrad();
        }
    }

    public void Dispose()
    {
        foreach (var (_, m, v) in _state)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
