using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Robust;

/// <summary>
/// L∞ projected gradient descent on a classifier. Batch-norm runs in eval mode during the attack
/// (the model's mode is restored afterwards); each step goes through the fused PGD-step primitive,
/// which projects onto the ε-ball and [0, 1]. Only the input gradient is computed: weight gradients
/// are neither computed nor touched.
/// </summary>
public sealed class PgdAttack(PgdConfig config)
{
    public PgdConfig Config { get; } = config;

    /// <summary>
    /// Adversarial examples for x (N, C, H, W) in [0, 1] with labels y, along the given path of the
    /// model. The result is a new tensor in the current scope, without autograd history.
    /// </summary>
    public Tensor Perturb(Classifier model, Tensor x, Tensor y, Random rng, Branch branch = Branch.Main)
    {
        Config.Validate();
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            Tensor? cleanLogits = null;
            if (Config.Objective == PgdObjective.KlDivergence)
            {
                using (GradMode.NoGrad()) cleanLogits = model.Forward(x, branch);
            }

            var adv = Start(x, rng);
            for (int step = 0; step < Config.Steps; step++)
            {
                using var stepScope = TensorScope.Begin();
                var leaf = adv.Detach();
                leaf.RequiresGrad = true;
                var logits = model.Forward(leaf, branch);
                var loss = Config.Objective == PgdObjective.CrossEntropy ? Ops.CrossEntropy(logits, y) : Ops.KlDivergence(cleanLogits!, logits);
                var grad = Backward.Grad(loss, leaf)[0];
                var next = stepScope.MoveToOuter(Ops.PgdStep(leaf, grad, x, Config.StepSize, Config.Epsilon));
                adv.Dispose();
                adv = next;
            }
            cleanLogits?.Dispose();
            return adv;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    private Tensor Start(Tensor x, Random rng)
    {
        var values = x.ToArray();
        float eps = Config.Epsilon;
        if (Config.Start == PgdStart.Uniform)
        {
            for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i] + (float)(rng.NextDouble() * 2 - 1) * eps, 0f, 1f);
        }
        else
        {
            var noise = Init.Normal(rng, values.Length, 0f, PgdConfig.SmallGaussianStd);
            for (int i = 0; i < values.Length; i++) values[i] += noise[i];
        }
        return Tensor.FromArray(x.Backend, values, x.Shape);
    }
}
