using AutoLoRa.Nn;
using AutoLoRa.Robust;
using AutoLoRa.Training.Analysis;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// AutoLoRa (paper Eq. 5): the feature extractor learns adversarial data, a LoRA branch learns
/// natural data. Per step: PGD-10 (CE, start x + 0.001·N(0, 1) or as given, BN eval) on the main path; then in
/// training mode z_nat = f_nat(x) (LoRA path: W and BN affine detached, so only A, B and the head
/// learn) and z_adv = f(x_adv) (main path: W, BN and head learn); loss = λ1·CE(z_nat, y) +
/// (1 − λ1)·CE(z_adv, y) + λ2·KL(p_nat ‖ p_adv). λ1, λ2 come from <see cref="AutomaticScalars"/>,
/// refreshed from the natural branch's training accuracy at the start of each epoch and after
/// each quarter.
/// </summary>
public sealed class AutoLora : Trainer
{
    private readonly PgdAttack _attack;

    /// <param name="model">A classifier with LoRA branches (<see cref="Classifier.AddLora"/>).</param>
    /// <param name="attack">The training attack.</param>
    /// <param name="scalars">Automatic or fixed λ1, λ2.</param>
    /// <param name="measureNaturalAccuracy">Natural-branch clean accuracy on (a fixed subset of) the training data, in [0, 1].</param>
    /// <param name="learningRate">Initial rate (the automatic schedule starts at 0.01).</param>
    /// <param name="momentum">SGD momentum.</param>
    /// <param name="weightDecay">SGD weight decay.</param>
    /// <param name="attackStart">The training attack's start (the reference protocol's is uniform).</param>
    /// <param name="scalarRefreshesPerEpoch">How often λ1/λ2 are measured per epoch (the reference protocol: once).</param>
    public AutoLora(Classifier model, PgdConfig attack, AutomaticScalars scalars, Func<float> measureNaturalAccuracy,
        float learningRate = 0.01f, float momentum = 0.9f, float weightDecay = 1e-4f, PgdStart attackStart = PgdStart.SmallGaussian,
        int scalarRefreshesPerEpoch = 4)
        : base(model, learningRate, momentum, weightDecay)
    {
        if (!model.HasLora) throw new ArgumentException("AutoLoRa needs a model with LoRA branches (rank > 0).", nameof(model));
        _attack = new PgdAttack(attack.With(PgdObjective.CrossEntropy, attackStart));
        AutoScalars = new MeasuredScalars(scalars, measureNaturalAccuracy, scalarRefreshesPerEpoch);
    }

    public override string Method => "autolora";

    /// <summary>The training attack, objective and start included.</summary>
    public PgdConfig Attack => _attack.Config;

    /// <summary>The λ1/λ2 policy (automatic by default).</summary>
    public AutomaticScalars LossWeights => AutoScalars!.Weights;

    /// <summary>The natural branch's accuracy at the last refresh.</summary>
    public float NaturalAccuracy => AutoScalars!.Accuracy;

    public override Tensor Step(Tensor x, Tensor y, Random rng)
    {
        var adversarial = _attack.Perturb(Model, x, y, rng, Branch.Main);
        Model.Train();
        var (natural, adversarialCe, kl) = Objectives(Model, x, adversarial, y);
        float l1 = LossWeights.Lambda1;
        return Optimize(Ops.Add(Ops.Scale(natural, l1), AdversarialObjective(adversarialCe, kl)));
    }

    /// <summary>
    /// Two pairs: the two terms of the adversarial objective, CE(f(x_adv)) against KL(p_nat ‖ p_adv),
    /// at every convolution's W (both train W); and the natural objective CE(f_nat(x)) against the
    /// whole adversarial objective (1 − λ1)·CE + λ2·KL, at the convolutions that carry LoRA: the
    /// natural side is differentiated against the merged weights W + s·BA (what A and B move: their
    /// gradients are projections of it; W itself gets none from it), the adversarial side against W.
    /// </summary>
    public override IReadOnlyList<ObjectivePair> GradientObjectives(ModelCopies copies, Tensor x, Tensor y, Random rng)
    {
        var model = copies.Model;
        var adversarial = _attack.Perturb(model, x, y, rng, Branch.Main);
        model.Train();
        var (_, adversarialCe, kl) = Objectives(model, x, adversarial, y);
        var merged = copies.Merged;
        merged.Train();
        var natural = Ops.CrossEntropy(merged.Forward(x), y);
        var weights = ObjectiveSide.ConvolutionWeights(model);
        return
        [
            new ObjectivePair("adversarial CE vs KL", new(adversarialCe, weights), new(kl, weights)),
            new ObjectivePair("natural vs adversarial", new(natural, ObjectiveSide.ConvolutionWeights(merged)),
                new(AdversarialObjective(adversarialCe, kl), ObjectiveSide.ConvolutionWeights(model, loraOnly: true))),
        ];
    }

    /// <summary>CE(f_nat(x), y), CE(f(x_adv), y) and KL(p_nat ‖ p_adv), from a training-mode natural and adversarial forward.</summary>
    private static (Tensor Natural, Tensor AdversarialCe, Tensor Kl) Objectives(Classifier model, Tensor x, Tensor adversarial, Tensor y)
    {
        var zNat = model.Forward(x, Branch.Natural);
        var zAdv = model.Forward(adversarial, Branch.Main);
        return (Ops.CrossEntropy(zNat, y), Ops.CrossEntropy(zAdv, y), Ops.KlDivergence(zNat, zAdv));
    }

    /// <summary>What the feature extractor learns: (1 − λ1)·CE(z_adv, y) + λ2·KL(p_nat ‖ p_adv).</summary>
    private Tensor AdversarialObjective(Tensor adversarialCe, Tensor kl) =>
        Ops.Add(Ops.Scale(adversarialCe, 1f - LossWeights.Lambda1), Ops.Scale(kl, LossWeights.Lambda2));
}
