namespace AutoLoRa.Training.Schedules;

/// <summary>
/// <see cref="AutomaticScalars"/> fed by a measured clean accuracy on a rhythm: at the start of each
/// epoch and, by default, after each quarter of it (the reference protocol: once per epoch). AutoLoRa
/// measures its natural (LoRA) branch; vanilla RFT and TWINS, which have no natural branch,
/// measure the model itself (see <see cref="Recipes.Recipe"/>). Reports its values for the run log
/// and restores them from a checkpoint.
/// </summary>
/// <param name="weights">The λ1/λ2 policy (automatic, or fixed for the ablation).</param>
/// <param name="measureAccuracy">Clean accuracy in [0, 1] on (a fixed subset of) the training data.</param>
/// <param name="refreshesPerEpoch">Measurements per epoch, the first at its start: 4 (ours) or 1 (the reference protocol's).</param>
public sealed class MeasuredScalars(AutomaticScalars weights, Func<float> measureAccuracy, int refreshesPerEpoch = 4)
{
    /// <summary>The weights the measurements update.</summary>
    public AutomaticScalars Weights { get; } = weights;

    /// <summary>
    /// How a measurement becomes the accuracy: by default it is simply taken; a data-parallel run
    /// measures on rank 0 and shares the result, so λ1/λ2 are decided once for every replica.
    /// </summary>
    public Func<Func<float>, float> Decide { get; set; } = static measure => measure();

    /// <summary>The accuracy at the last refresh (0 before the first).</summary>
    public float Accuracy { get; private set; }

    /// <summary>λ1, λ2 and the accuracy they came from ("sa_nat"), as logged and checkpointed.</summary>
    public IReadOnlyDictionary<string, float> Values => new Dictionary<string, float>
    {
        ["lambda1"] = Weights.Lambda1,
        ["lambda2"] = Weights.Lambda2,
        ["sa_nat"] = Accuracy,
    };

    /// <summary>Measures and updates at batch 0 and at every 1/refreshesPerEpoch of the epoch (nothing when the weights are fixed).</summary>
    public void OnEpochProgress(int batchIndex, int batchesPerEpoch)
    {
        if (!Weights.IsAutomatic) return;
        int every = refreshesPerEpoch == 1 ? int.MaxValue : Math.Max(1, batchesPerEpoch / refreshesPerEpoch);
        if (batchIndex % every != 0) return;
        Accuracy = Decide(measureAccuracy);
        Weights.Update(Accuracy);
    }

    /// <summary>Restores what <see cref="Values"/> reported.</summary>
    public void Restore(IReadOnlyDictionary<string, float> values)
    {
        if (values.TryGetValue("lambda1", out float l1) && values.TryGetValue("lambda2", out float l2)) Weights.Restore(l1, l2);
        if (values.TryGetValue("sa_nat", out float sa)) Accuracy = sa;
    }
}
