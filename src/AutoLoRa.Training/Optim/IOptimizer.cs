namespace AutoLoRa.Training.Optim;

/// <summary>Which optimizer a run trains with (<c>optimizer</c> setting).</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum and L2 weight decay: the AutoLoRa reference's, and the default of every method.</summary>
    Sgd,

    /// <summary>PyTorch's AdamW (β 0.9, 0.999, eps 1e-8) with decoupled weight decay: the usual choice for vision transformers.</summary>
    AdamW,
}

/// <summary>
/// What the training loop and checkpoints need of an optimizer: a learning rate the schedules set,
/// a step, and its per-parameter state under the names PyTorch's optimizers give it, so a resumed
/// run continues exactly.
/// </summary>
public interface IOptimizer : IDisposable
{
    /// <summary>The rate of the next step (the schedule sets it).</summary>
    float LearningRate { get; set; }

    /// <summary>Applies one update to every parameter that has a gradient, then clears the gradients.</summary>
    void Step();

    /// <summary>Clears gradients without updating.</summary>
    void ZeroGrad();

    /// <summary>The state each parameter has, by name ("momentum_buffer"; "exp_avg", "exp_avg_sq", "step").</summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>Parameter <paramref name="parameter"/>'s state called <paramref name="name"/>, copied to the host with its shape.</summary>
    (Shape Shape, float[] Values) ExportState(int parameter, string name);

    /// <summary>Restores what <see cref="ExportState"/> gave.</summary>
    /// <exception cref="ArgumentException">A name not in <see cref="StateNames"/>, or values of the wrong length.</exception>
    void ImportState(int parameter, string name, ReadOnlySpan<float> values);
}

/// <summary>Creates the chosen optimizer over a model's parameters.</summary>
public static class Optimizers
{
    /// <param name="kind">SGD or AdamW.</param>
    /// <param name="parameters">What it updates, in the order its state is checkpointed.</param>
    /// <param name="learningRate">The initial rate (the schedule sets it from then on).</param>
    /// <param name="momentum">SGD's momentum; AdamW keeps PyTorch's β1 = 0.9 instead.</param>
    /// <param name="weightDecay">L2 for SGD (added to the gradient), decoupled for AdamW (p ·= 1 − lr·wd).</param>
    public static IOptimizer Create(OptimizerKind kind, IEnumerable<Tensor> parameters, float learningRate, float momentum, float weightDecay) => kind switch
    {
        OptimizerKind.Sgd => new Sgd(parameters, learningRate, momentum, weightDecay),
        OptimizerKind.AdamW => new AdamW(parameters, learningRate, weightDecay: weightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown optimizer."),
    };

    /// <summary>The state tensor <paramref name="tensor"/> as <see cref="IOptimizer.ExportState"/> returns it.</summary>
    internal static (Shape Shape, float[] Values) Export(Tensor tensor) => (tensor.Shape, tensor.ToArray());

    /// <summary>Uploads <paramref name="values"/> into <paramref name="tensor"/> after checking the length.</summary>
    internal static void Import(Tensor tensor, string name, ReadOnlySpan<float> values)
    {
        if (values.Length != tensor.ElementCount) throw new ArgumentException($"optimizer state '{name}' has {values.Length} values, the parameter {tensor.ElementCount}.");
        tensor.Backend.Upload(values, tensor.Buffer);
    }

    /// <summary>The error for a state name the optimizer does not have.</summary>
    internal static ArgumentException UnknownState(string optimizer, string name, IReadOnlyList<string> names) =>
        new($"{optimizer} has no state '{name}'; it keeps {string.Join(", ", names)}.");
}
