namespace AutoLoRa.Training.Optim;

/// <summary>
/// PyTorch's AdamW (amsgrad off): decoupled weight decay p ·= 1 − lr·wd, then the Adam step with
/// bias-corrected moments, one fused primitive per parameter (<c>Backend.AdamWUpdate</c>). The
/// bias corrections 1 − βᵗ are computed here in double, as torch.optim.AdamW computes them in
/// Python. Moments start at zero and live as long as the optimizer. Defaults are PyTorch's.
/// </summary>
public sealed class AdamW : IOptimizer
{
    private readonly (Tensor Parameter, Tensor M, Tensor V)[] _state;

    // Per parameter, as PyTorch's state['step']: a parameter without a gradient is not stepped.
    private readonly int[] _steps;

    /// <summary>AdamW over <paramref name="parameters"/> (decoupled weight decay, as PyTorch's <c>torch.optim.AdamW</c>).</summary>
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

    /// <summary>The step size; schedules set it between epochs.</summary>
    public float LearningRate { get; set; }

    /// <summary>Decay of the first-moment average.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment average.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the root of the second moment before dividing.</summary>
    public float Eps { get; }

    /// <summary>Decoupled weight decay per step, times the learning rate.</summary>
    public float WeightDecay { get; }

    /// <summary>torch.optim.AdamW's names: the moment averages and the step count (a float here, exact up to 2²⁴ steps).</summary>
    public IReadOnlyList<string> StateNames { get; } = ["exp_avg", "exp_avg_sq", "step"];

    /// <inheritdoc/>
    public (Shape Shape, float[] Values) ExportState(int parameter, string name)
    {
        var (_, m, v) = _state[parameter];
        return name switch
        {
            "exp_avg" => Optimizers.Export(m),
            "exp_avg_sq" => Optimizers.Export(v),
            "step" => (new Shape(1), [_steps[parameter]]),
            _ => throw Optimizers.UnknownState("AdamW", name, StateNames),
        };
    }

    /// <inheritdoc/>
    public void ImportState(int parameter, string name, ReadOnlySpan<float> values)
    {
        var (_, m, v) = _state[parameter];
        switch (name)
        {
            case "exp_avg": Optimizers.Import(m, name, values); break;
            case "exp_avg_sq": Optimizers.Import(v, name, values); break;
            case "step" when values.Length == 1 && values[0] >= 0 && values[0] == MathF.Floor(values[0]): _steps[parameter] = (int)values[0]; break;
            case "step": throw new ArgumentException($"optimizer state 'step' must be one whole number, not {values.Length} value(s) starting {(values.Length > 0 ? values[0] : float.NaN)}.");
            default: throw Optimizers.UnknownState("AdamW", name, StateNames);
        }
    }

    /// <summary>Clears gradients without updating.</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _, _) in _state) p.ZeroGrad();
    }

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

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, m, v) in _state)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
