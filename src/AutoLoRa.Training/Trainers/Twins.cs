using AutoLoRa.Robust;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// TWINS-TRADES (Liu et al., CVPR 2023) as its authors' code runs it (twins-spec §2): every
/// batch-norm has a frozen wing (pre-trained statistics) and an adaptive wing. Per step: PGD-10
/// (CE, uniform start) on the whole batch with the model in eval mode, i.e. against the adaptive
/// wing with its running statistics; then in training mode an adversarial and a clean forward,
/// each sending its first ⌊N/2⌋ samples through the frozen wing and the rest through the adaptive
/// one; loss = natural + β·robust from <see cref="TwinsLoss"/>. Odd batches work: the frozen wing
/// gets ⌊N/2⌋ samples, the adaptive wing the rest. Inference uses the adaptive wing only.
/// </summary>
public sealed class Twins : NaturalRobustTrainer
{
    private readonly PgdAttack _attack;

    /// <param name="model">A classifier with two-wing batch-norms (<see cref="Classifier.AddTwinNorms"/>).</param>
    /// <param name="attack">The training attack.</param>
    /// <param name="learningRate">Initial rate.</param>
    /// <param name="gamma">γ, the weight of the frozen wing's CE and KL.</param>
    /// <param name="beta">β of the KL terms (unused with automatic scalars).</param>
    /// <param name="nominalBatchSize">B₀, the configured batch size the KL sums are divided by.</param>
    /// <param name="kl">The KL normalisation (paper-code parity by default).</param>
    /// <param name="momentum">SGD momentum.</param>
    /// <param name="weightDecay">SGD weight decay (on every parameter, both wings' affines included, as the reference).</param>
    /// <param name="autoScalars">λ1/λ2 in place of 1 and β; null keeps the constants.</param>
    public Twins(Classifier model, PgdConfig attack, float learningRate, float gamma = 1f, float beta = 6f, int nominalBatchSize = 128,
        TwinsKlNormalization kl = TwinsKlNormalization.NominalBatch, float momentum = 0.9f, float weightDecay = 1e-5f, MeasuredScalars? autoScalars = null)
        : base(model, learningRate, beta, momentum, weightDecay)
    {
        if (!model.HasTwinNorms) throw new ArgumentException("TWINS needs a model whose batch-norms have frozen wings (Classifier.AddTwinNorms).", nameof(model));
        ArgumentOutOfRangeException.ThrowIfNegative(gamma);
        _attack = new PgdAttack(attack.With(PgdObjective.CrossEntropy, PgdStart.Uniform));
        Gamma = gamma;
        NominalBatchSize = nominalBatchSize;
        KlNormalization = kl;
        AutoScalars = autoScalars;
    }

    public override string Method => "twins";

    public float Gamma { get; }

    public int NominalBatchSize { get; }

    public TwinsKlNormalization KlNormalization { get; }

    /// <summary>Attack the adaptive wing, then the split-mode adversarial forward (first, as the reference) and clean forward.</summary>
    protected override (Tensor Natural, Tensor Robust) Objectives(Classifier model, Tensor x, Tensor y, Random rng)
    {
        var adversarial = _attack.Perturb(model, x, y, rng);
        model.Train();
        var zAdv = model.Forward(adversarial);
        var zClean = model.Forward(x);
        return TwinsLoss.Parts(zClean, zAdv, y, Gamma, NominalBatchSize, KlNormalization);
    }
}
