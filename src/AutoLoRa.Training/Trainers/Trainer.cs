using AutoLoRa.Distributed;
using AutoLoRa.Training.Analysis;
using AutoLoRa.Training.Optim;
using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Trainers;

/// <summary>
/// One training method: what a step computes from a batch. The epoch loop, validation, schedules
/// and checkpoints are shared (the training loop); a method adds only its loss and, where
/// it has them, its per-epoch hooks.
/// </summary>
public abstract class Trainer : IDisposable
{
    private readonly (float LearningRate, float Momentum, float WeightDecay) _optimizerSettings;
    private IOptimizer? _optimizer;

    /// <summary>A trainer of <paramref name="model"/>; its optimizer (SGD unless <see cref="UseOptimizer"/> says otherwise) is made at the first step.</summary>
    protected Trainer(Classifier model, float learningRate, float momentum, float weightDecay)
    {
        Model = model;
        _optimizerSettings = (learningRate, momentum, weightDecay);
    }

    /// <summary>The method's name in logs and checkpoints ("autolora", "vanilla", "natural", "pgd-at").</summary>
    public abstract string Method { get; }

    /// <summary>The model being trained, in place.</summary>
    public Classifier Model { get; }

    /// <summary>Which optimizer <see cref="Optimizer"/> is: SGD unless <see cref="UseOptimizer"/> chose another.</summary>
    public OptimizerKind OptimizerKind { get; private set; } = OptimizerKind.Sgd;

    /// <summary>
    /// The optimizer over every parameter of <see cref="Model"/>, created at its first use so that the
    /// run can choose it after the method built the trainer (the method decides the loss, the run the optimizer).
    /// </summary>
    public IOptimizer Optimizer => _optimizer ??= Optimizers.Create(OptimizerKind, Model.Parameters(),
        _optimizerSettings.LearningRate, _optimizerSettings.Momentum, _optimizerSettings.WeightDecay);

    /// <summary>Trains with <paramref name="kind"/> instead of SGD, with the same learning rate and weight decay.</summary>
    /// <exception cref="InvalidOperationException">The optimizer is already in use.</exception>
    public void UseOptimizer(OptimizerKind kind)
    {
        if (_optimizer is not null && kind != OptimizerKind) throw new InvalidOperationException("The optimizer is chosen before the first step; this trainer's is already in use.");
        OptimizerKind = kind;
    }

    /// <summary>
    /// One optimisation step on a batch (x in [0, 1], int32 labels). <paramref name="rng"/> is the
    /// batch's own generator (derived from seed, epoch and batch), so a resumed run repeats it
    /// exactly. Returns the loss tensor (read it only when needed: that is a device round trip).
    /// </summary>
    public abstract Tensor Step(Tensor x, Tensor y, Random rng);

    /// <summary>
    /// Loss scalars refreshed from a measured accuracy: AutoLoRa's λ1/λ2 always, vanilla RFT's and
    /// TWINS's with --auto-scalars; null when the method's scalars are constants.
    /// </summary>
    public MeasuredScalars? AutoScalars { get; protected init; }

    /// <summary>Called before the batches of each epoch and after each quarter of it.</summary>
    public virtual void OnEpochProgress(int epoch, int batchIndex, int batchesPerEpoch) =>
        AutoScalars?.OnEpochProgress(batchIndex, batchesPerEpoch);

    /// <summary>Method-specific values for the run log and checkpoints (λ1, λ2 and their accuracy when scalars are automatic).</summary>
    public virtual IReadOnlyDictionary<string, float> Scalars => AutoScalars?.Values ?? new Dictionary<string, float>();

    /// <summary>Restores the values <see cref="Scalars"/> reported (from a checkpoint).</summary>
    public virtual void RestoreScalars(IReadOnlyDictionary<string, float> scalars) => AutoScalars?.Restore(scalars);

    /// <summary>
    /// The objective pairs whose gradients the gradient-similarity diagnostic compares, computed on
    /// <paramref name="copies"/> rather than on <see cref="Model"/> (a diagnostic must not move the
    /// trained model's batch-norm statistics). Empty for methods with a single objective.
    /// </summary>
    public virtual IReadOnlyList<ObjectivePair> GradientObjectives(ModelCopies copies, Tensor x, Tensor y, Random rng) => [];

    /// <summary>
    /// In a data-parallel run, what averages the gradients over the replicas between backward and
    /// the update (set by the training loop); null in a one-process run.
    /// </summary>
    public IReplicaGradients? ReplicaGradients { get; set; }

    /// <summary>Backward from the loss and one optimizer update; the shared tail of every step.</summary>
    protected Tensor Optimize(Tensor loss)
    {
        Optimizer.ZeroGrad();
        loss.Backward(ReplicaGradients);
        ReplicaGradients?.Complete();
        Optimizer.Step();
        return loss;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _optimizer?.Dispose();
        GC.SuppressFinalize(this);
    }
}
