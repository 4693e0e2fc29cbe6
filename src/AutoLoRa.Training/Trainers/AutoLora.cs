using AutoLoRa.Core;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// AutoLoRa (paper Eq. 5): the feature extractor learns adversarial data, a LoRA branch learns
/// natural data. Per step: PGD-10 (CE, start x + 0.001·N(0, 1), BN eval) on the main path; then in
/// training mode z_nat = f_nat(x) (LoRA path: W and BN affine detached, so only A, B and the head
/// learn) and z_adv = f(x_adv) (main path: W, BN and head learn); loss = λ1·CE(z_nat, y) +
/// (1 − λ1)·CE(z_adv, y) + λ2·KL(p_nat ‖ p_adv). λ1, λ2 come from <see cref="AutomaticScalars"/>,
/// refreshed from the natural branch's training accuracy at the start of each epoch and after
/// each quarter.
/// </summary>
public sealed class AutoLora : Trainer
{
    private readonly PgdAttack _attack;
    private readonly Func<float> _measureNaturalAccuracy;

    /// <param name="model">A classifier with LoRA branches (<see cref="Classifier.AddLora"/>).</param>
    /// <param name="attack">The training attack.</param>
    /// <param name="scalars">Automatic or fixed λ1, λ2.</param>
    /// <param name="measureNaturalAccuracy">Natural-branch clean accuracy on (a fixed subset of) the training data, in [0, 1].</param>
    /// <param name="learningRate">Initial rate (the automatic schedule starts at 0.01).</param>
    /// <param name="momentum">SGD momentum.</param>
    /// <param name="weightDecay">SGD weight decay.</param>
    public AutoLora(Classifier model, AttackSettings attack, AutomaticScalars scalars, Func<float> measureNaturalAccuracy,
        float learningRate = 0.01f, float momentum = 0.9f, float weightDecay = 1e-4f)
        : base(model, learningRate, momentum, weightDecay)
    {
        if (!model.HasLora) throw new ArgumentException("AutoLoRa needs a model with LoRA branches (rank > 0).", nameof(model));
        _attack = new PgdAttack(attack.ToPgd(PgdObjective.CrossEntropy, PgdStart.SmallGaussian));
        LossWeights = scalars;
        _measureNaturalAccuracy = measureNaturalAccuracy;
    }

    public override string Method => "autolora";

    /// <summary>The λ1/λ2 policy (automatic by default).</summary>
    public AutomaticScalars LossWeights { get; }

    /// <summary>The natural branch's accuracy at the last refresh.</summary>
    public float NaturalAccuracy { get; private set; }

    public override IReadOnlyDictionary<string, float> Scalars => new Dictionary<string, float>
    {
        ["lambda1"] = LossWeights.Lambda1,
        ["lambda2"] = LossWeights.Lambda2,
        ["sa_nat"] = NaturalAccuracy,
    };

    public override void RestoreScalars(IReadOnlyDictionary<string, float> scalars)
    {
        if (scalars.TryGetValue("lambda1", out float l1) && scalars.TryGetValue("lambda2", out float l2)) LossWeights.Restore(l1, l2);
        if (scalars.TryGetValue("sa_nat", out float sa)) NaturalAccuracy = sa;
    }

    public override void OnEpochProgress(int epoch, int batchIndex, int batchesPerEpoch)
    {
        if (!LossWeights.IsAutomatic) return;
        int quarter = Math.Max(1, batchesPerEpoch / 4);
        if (batchIndex % quarter != 0) return;
        NaturalAccuracy = _measureNaturalAccuracy();
        LossWeights.Update(NaturalAccuracy);
    }

    public override Tensor Step(Tensor x, Tensor y, Random rng)
    {
        var adversarial = _attack.Perturb(Model, x, y, rng, Branch.Main);
        Model.Train();
        var zNat = Model.Forward(x, Branch.Natural);
        var zAdv = Model.Forward(adversarial, Branch.Main);
        float l1 = LossWeights.Lambda1, l2 = LossWeights.Lambda2;
        var loss = Ops.Add(
            Ops.Add(Ops.Scale(Ops.CrossEntropy(zNat, y), l1), Ops.Scale(Ops.CrossEntropy(zAdv, y), 1f - l1)),
            Ops.Scale(Ops.KlDivergence(zNat, zAdv), l2));
        return Optimize(loss);
    }
}
