using AutoLoRa.Training;
using AutoLoRa.Training.Evaluation;

namespace AutoLoRa.Reproduction;

/// <summary>
/// What a finished cell measured: its evaluation, training time and per-epoch history (learning
/// rate and λ trajectories). Stored as the cell's result.json; <see cref="Identity"/> ties it to
/// the cell's settings, so a changed plan never reuses it.
/// </summary>
public sealed record CellResult(
    string Identity,
    string Dataset,
    string Model,
    string Method,
    string Ablation,
    int Seed,
    RobustnessResult Evaluation,
    double TrainSeconds,
    IReadOnlyList<EpochRecord> History)
{
    /// <summary>The learning rate of each epoch.</summary>
    public IReadOnlyList<float> LearningRates() => [.. History.Select(h => h.LearningRate)];

    /// <summary>A trainer scalar (lambda1, lambda2, …) per epoch, or empty when the method does not report it every epoch.</summary>
    public IReadOnlyList<float> Scalar(string name) =>
        History.Count > 0 && History.All(h => h.Scalars.ContainsKey(name)) ? [.. History.Select(h => h.Scalars[name])] : [];
}

/// <summary>A finished training phase (a cell's fine-tuning or a backbone's pre-training): written once Recipe.Train has returned.</summary>
public sealed record TrainedRun(string Identity, IReadOnlyList<EpochRecord> History)
{
    /// <summary>Training seconds over every epoch.</summary>
    public double Seconds => History.Sum(h => h.Seconds);
}
