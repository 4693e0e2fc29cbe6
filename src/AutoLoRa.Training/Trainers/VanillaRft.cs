using AutoLoRa.Core;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// Vanilla robust fine-tuning with TRADES (β = 6 by default): PGD maximising KL(p(x) ‖ p(x_adv))
/// from x + 0.001·N(0, 1) in eval mode, then CE(f(x), y) + β·KL(p(x) ‖ p(x_adv)) in training mode,
/// the KL summed over classes, divided by the batch size and differentiated through both sides.
/// </summary>
public sealed class VanillaRft(Classifier model, AttackSettings attack, float learningRate, float beta = 6f, float momentum = 0.9f, float weightDecay = 1e-4f)
    : Trainer(model, learningRate, momentum, weightDecay)
{
    private readonly PgdAttack _attack = new(attack.ToPgd(PgdObjective.KlDivergence, PgdStart.SmallGaussian));

    public override string Method => "vanilla";

    public float Beta { get; } = beta;

    public override Tensor Step(Tensor x, Tensor y, Random rng)
    {
        var adversarial = _attack.Perturb(Model, x, y, rng);
        Model.Train();
        var natural = Model.Forward(x);
        var robust = Model.Forward(adversarial);
        var loss = Ops.Add(Ops.CrossEntropy(natural, y), Ops.Scale(Ops.KlDivergence(natural, robust), Beta));
        return Optimize(loss);
    }
}
