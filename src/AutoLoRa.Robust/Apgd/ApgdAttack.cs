namespace AutoLoRa.Robust;

/// <summary>
/// Untargeted APGD (APGD-CE or APGD-DLR), one restart. Returns the adversarial image for samples it
/// fooled and the clean image for the others, as the reference's perturb does.
/// </summary>
public sealed class ApgdAttack : IAttack
{
    /// <summary>APGD with <paramref name="config"/>'s loss, budget and restarts.</summary>
    public ApgdAttack(ApgdConfig config)
    {
        if (config.Loss == ApgdLoss.TargetedDlr) throw new ArgumentException("Targeted DLR runs per target class: use ApgdTargetedAttack.");
        config.Validate();
        Config = config;
    }

    /// <summary>The attack's settings.</summary>
    public ApgdConfig Config { get; }

    /// <inheritdoc/>
    public string Name => Config.Loss == ApgdLoss.CrossEntropy ? "apgd-ce" : "apgd-dlr";

    /// <inheritdoc/>
    public float[] Perturb(ILogitModel model, AttackBatch batch, Random rng)
    {
        var loss = Config.Loss == ApgdLoss.CrossEntropy ? AttackLoss.CrossEntropy : AttackLoss.Dlr;
        var result = ApgdRun.Run(model, batch, Config, loss, targets: null, rng);
        var output = (float[])batch.Images.Clone();
        for (int s = 0; s < batch.Count; s++)
        {
            if (result.Fooled[s]) Array.Copy(result.Adversarial, s * batch.ImageSize, output, s * batch.ImageSize, batch.ImageSize);
        }
        return output;
    }
}
