using AutoLoRa.Robust;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// Vanilla robust fine-tuning with TRADES (β = 6 by default): PGD maximising KL(p(x) ‖ p(x_adv))
/// from x + 0.001·N(0, 1) in eval mode — under either protocol, because the authors' vanilla RFT
/// (<c>trades_loss</c> in <c>Finetuning_Methods/AutoLoRa/utils.py</c>, README: the table of differences)
/// starts there too, with the same steps and step — then CE(f(x), y) + β·KL(p(x) ‖ p(x_adv)) in training mode,
/// the KL summed over classes, divided by the batch size and differentiated through both sides.
/// With automatic scalars (the authors' ablation) the loss is λ1·CE + λ2·KL instead, λ1 and λ2
/// following AutoLoRa's rule from the model's own clean training accuracy.
/// </summary>
public sealed class VanillaRft : NaturalRobustTrainer
{
    private readonly PgdAttack _attack;

    /// <param name="model">The classifier to fine-tune.</param>
    /// <param name="attack">The training attack.</param>
    /// <param name="learningRate">Initial rate.</param>
    /// <param name="beta">TRADES's β (unused with automatic scalars).</param>
    /// <param name="momentum">SGD momentum.</param>
    /// <param name="weightDecay">SGD weight decay.</param>
    /// <param name="autoScalars">λ1/λ2 from a measured accuracy instead of 1 and β; null keeps TRADES's constants.</param>
    public VanillaRft(Classifier model, PgdConfig attack, float learningRate, float beta = 6f, float momentum = 0.9f, float weightDecay = 1e-4f,
        MeasuredScalars? autoScalars = null)
        : base(model, learningRate, beta, momentum, weightDecay)
    {
        _attack = new PgdAttack(attack.With(PgdObjective.KlDivergence, PgdStart.SmallGaussian));
        AutoScalars = autoScalars;
    }

    /// <summary>The training attack: the settings' radius, step and steps, KL objective, small Gaussian start.</summary>
    public PgdConfig Attack => _attack.Config;

    /// <inheritdoc/>
    public override string Method => "vanilla";

    /// <summary>Attack, then CE(f(x), y) and KL(p(x) ‖ p(x_adv)) from training-mode forwards.</summary>
    protected override (Tensor Natural, Tensor Robust) Objectives(Classifier model, Tensor x, Tensor y, Random rng)
    {
        var adversarial = _attack.Perturb(model, x, y, rng);
        model.Train();
        var natural = model.Forward(x);
        var robust = model.Forward(adversarial);
        return (Ops.CrossEntropy(natural, y), Ops.KlDivergence(natural, robust));
    }
}
