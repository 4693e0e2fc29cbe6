using AutoLoRa.Robust;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// PGD adversarial training (Madry et al.): minimise CE on PGD examples (CE objective, uniform
/// start, batch-norm in eval mode during the attack). Trains a robust backbone from scratch — how
/// the demo gets its pre-trained model, since robust checkpoints cannot be downloaded here.
/// </summary>
public sealed class AdversarialPretraining(Classifier model, PgdConfig attack, float learningRate, float momentum = 0.9f, float weightDecay = 5e-4f)
    : Trainer(model, learningRate, momentum, weightDecay)
{
    private readonly PgdAttack _attack = new(attack.With(PgdObjective.CrossEntropy, PgdStart.Uniform));

    public override string Method => "pgd-at";

    public override Tensor Step(Tensor x, Tensor y, Random rng)
    {
        var adversarial = _attack.Perturb(Model, x, y, rng);
        Model.Train();
        return Optimize(Ops.CrossEntropy(Model.Forward(adversarial), y));
    }
}
