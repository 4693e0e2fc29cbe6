namespace AutoLoRa.Robust;

/// <summary>
/// APGD-T: one full APGD run with the targeted DLR loss per target class (2nd … 10th highest clean
/// logit), each on the samples no earlier target has fooled. Needs at least 4 classes.
/// </summary>
public sealed class ApgdTargetedAttack : IAttack
{
    /// <summary>APGD-T with <paramref name="config"/>'s budget, over the top target classes.</summary>
    public ApgdTargetedAttack(ApgdConfig config)
    {
        config.Validate();
        Config = config with { Loss = ApgdLoss.TargetedDlr };
    }

    /// <summary>The attack's settings.</summary>
    public ApgdConfig Config { get; }

    /// <inheritdoc/>
    public string Name => "apgd-t";

    /// <summary>Smallest number of classes the targeted DLR loss is defined for.</summary>
    public const int MinClasses = 4;

    /// <inheritdoc/>
    public float[] Perturb(ILogitModel model, AttackBatch batch, Random rng)
    {
        var output = (float[])batch.Images.Clone();
        var clean = LogitEvaluator.Logits(model, batch.Images, batch.ShapeOf(batch.Count), out int classes);
        if (classes < MinClasses) throw new ArgumentException($"APGD-T needs at least {MinClasses} classes; the model has {classes}.");
        var fooled = new bool[batch.Count];
        for (int rank = 2; rank <= TargetSelection.Count(Config.TargetClasses, classes) + 1; rank++)
        {
            var remaining = Enumerable.Range(0, batch.Count).Where(s => !fooled[s]).ToList();
            if (remaining.Count == 0) break;
            var sub = batch.Select(remaining);
            var targets = TargetSelection.KthHighest(SelectRows(clean, classes, remaining), classes, rank);
            var result = ApgdRun.Run(model, sub, Config, AttackLoss.TargetedDlr, targets, rng);
            for (int i = 0; i < remaining.Count; i++)
            {
                if (!result.Fooled[i]) continue;
                fooled[remaining[i]] = true;
                Array.Copy(result.Adversarial, i * batch.ImageSize, output, remaining[i] * batch.ImageSize, batch.ImageSize);
            }
        }
        return output;
    }

    internal static float[] SelectRows(float[] values, int cols, IReadOnlyList<int> rows)
    {
        var result = new float[rows.Count * cols];
        for (int i = 0; i < rows.Count; i++) Array.Copy(values, rows[i] * cols, result, i * cols, cols);
        return result;
    }
}
