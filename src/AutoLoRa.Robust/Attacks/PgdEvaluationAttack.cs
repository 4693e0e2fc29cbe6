using AutoLoRa.Core;

namespace AutoLoRa.Robust;

/// <summary>
/// PGD-k as the reference papers evaluate with it (CE, uniform start, step 2/255, k = 20 by
/// default), wrapped for the runner. Returns the final iterate, as TRADES and AutoLoRa do.
/// </summary>
public sealed class PgdEvaluationAttack(PgdConfig config) : IAttack
{
    /// <summary>The attack's settings.</summary>
    public PgdConfig Config { get; } = config;

    /// <inheritdoc/>
    public string Name => $"pgd{Config.Steps}";

    /// <inheritdoc/>
    public float[] Perturb(ILogitModel model, AttackBatch batch, Random rng)
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(model.Backend, batch.Images, batch.ShapeOf(batch.Count));
        var y = Tensor.FromLabels(model.Backend, batch.Labels);
        return new PgdAttack(Config).Perturb(model, x, y, rng).ToArray();
    }
}
