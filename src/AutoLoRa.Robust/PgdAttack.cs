using System.Buffers;
using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Robust;

/// <summary>
/// L∞ projected gradient descent on a classifier. Batch-norm runs in eval mode during the attack
/// (the model's mode is restored afterwards); each step goes through the fused PGD-step primitive,
/// which projects onto the ε-ball and [0, 1]. Only the input gradient is computed: weight gradients
/// are neither computed nor touched, and the weights are frozen (<see cref="Module.FreezeWeights"/>)
/// for the attack, so derived forms of them are made once.
/// </summary>
public sealed class PgdAttack(PgdConfig config)
{
    /// <summary>The attack's settings.</summary>
    public PgdConfig Config { get; } = config;

    /// <summary>
    /// Adversarial examples for x (N, C, H, W) in [0, 1] with labels y, along the given path of the
    /// model. The result is a new tensor in the current scope, without autograd history.
    /// </summary>
    public Tensor Perturb(Classifier model, Tensor x, Tensor y, Random rng, Branch branch = Branch.Main)
    {
        bool wasTraining = model.IsTraining;
        model.Eval();
        // The iterations use the same weights: layers fold their batch-norms once per attack.
        using var frozen = model.FreezeWeights();
        try
        {
            return Run(new ClassifierPath(model, branch), x, y, rng);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>
    /// Adversarial examples against any logit model (put a classifier in eval mode first, e.g. with
    /// <see cref="ClassifierLogitModel"/>). Same contract as the classifier overload.
    /// </summary>
    public Tensor Perturb(ILogitModel model, Tensor x, Tensor y, Random rng) => Run(new AnyModel(model), x, y, rng);

    private Tensor Run<TLogits>(TLogits logitsOf, Tensor x, Tensor y, Random rng) where TLogits : struct, ILogitsOf
    {
        Config.Validate();
        using var phase = OpProfiler.Phase("attack");
        Tensor? cleanLogits = null;
        if (Config.Objective == PgdObjective.KlDivergence)
        {
            using (GradMode.NoGrad()) cleanLogits = logitsOf.Logits(x);
        }

        var adv = Start(x, rng);
        // One scope for all steps, reset after each: a step's tensors end with it.
        using var stepScope = TensorScope.BeginRecycling();
        for (int step = 0; step < Config.Steps; step++)
        {
            var leaf = adv.Detach();
            leaf.RequiresGrad = true;
            var logits = logitsOf.Logits(leaf);
            var loss = Config.Objective == PgdObjective.CrossEntropy ? Ops.CrossEntropy(logits, y) : Ops.KlDivergence(cleanLogits!, logits);
            // A model whose output bypasses the tape has, for PGD, a zero gradient (the runner flags it).
            var grad = loss.RequiresGrad ? Backward.Grad(loss, leaf) : Tensor.Zeros(leaf.Backend, leaf.Shape);
            var next = stepScope.MoveToOuter(Ops.PgdStep(leaf, grad, x, Config.StepSize, Config.Epsilon));
            adv.Dispose();
            adv = next;
            stepScope.Reset();
        }
        cleanLogits?.Dispose();
        return adv;
    }

    /// <summary>
    /// The random start, computed on the host in arrays borrowed from the shared pool (a batch of
    /// images is too large to allocate afresh every step).
    /// </summary>
    private Tensor Start(Tensor x, Random rng)
    {
        if (Config.Start == PgdStart.None)
        {
            // A copy: the steps dispose the current iterate, never the caller's x.
            using (GradMode.NoGrad()) return Ops.Scale(x, 1f);
        }
        int count = x.ElementCount;
        var valuesArray = ArrayPool<float>.Shared.Rent(count);
        try
        {
            var values = valuesArray.AsSpan(0, count);
            x.Backend.Download(x.Buffer, values);
            float eps = Config.Epsilon;
            if (Config.Start == PgdStart.Uniform)
            {
                for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(values[i] + (float)(rng.NextDouble() * 2 - 1) * eps, 0f, 1f);
            }
            else
            {
                var noiseArray = ArrayPool<float>.Shared.Rent(count);
                var noise = noiseArray.AsSpan(0, count);
                Init.FillNormal(rng, noise, 0f, PgdConfig.SmallGaussianStd);
                for (int i = 0; i < values.Length; i++) values[i] += noise[i];
                ArrayPool<float>.Shared.Return(noiseArray);
            }
            return Tensor.FromArray(x.Backend, values, x.Shape);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(valuesArray);
        }
    }

    /// <summary>What the attack differentiates; a struct, so an attack call allocates no closure.</summary>
    private interface ILogitsOf
    {
        Tensor Logits(Tensor x);
    }

    /// <summary>One path of a classifier.</summary>
    private readonly struct ClassifierPath(Classifier model, Branch branch) : ILogitsOf
    {
        public Tensor Logits(Tensor x) => model.Forward(x, branch);
    }

    /// <summary>Any logit model.</summary>
    private readonly struct AnyModel(ILogitModel model) : ILogitsOf
    {
        public Tensor Logits(Tensor x) => model.Logits(x);
    }
}
