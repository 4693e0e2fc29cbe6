using System.Text;
using AutoLoRa.Distributed;
using AutoLoRa.Robust;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training;

/// <summary>
/// What the epoch loop does differently when it is one replica of several: it trains on its shard
/// of each epoch, averages gradients and batch-norm statistics with the others, validates on its
/// share of the validation set and adds the counts, and takes AutoLoRa's accuracy probe from rank 0
/// — so every decision (λ1/λ2, the validation robust accuracy behind the learning rate, a halving
/// with its restore, early stop, the test-set checkpoint selection) is made from the same numbers on every rank. Rank 0 alone writes
/// files. With one process (<see cref="SingleProcess"/>) every member leaves the run as it was.
/// </summary>
internal sealed class DataParallel(Communicator replicas)
{
    private readonly int _checkEvery =
        replicas.IsDistributed ? Replicas.CheckEvery(Environment.GetEnvironmentVariable(Replicas.CheckEveryVariable)) : 0;
    private long _steps;

    /// <summary>Rank 0 writes the run's log, checkpoints and model files; the others write nothing.</summary>
    public bool WritesFiles => replicas.IsRoot;

    /// <summary>This rank's share of every training epoch.</summary>
    public EpochShard Shard => new(replicas.Rank, replicas.Size);

    /// <summary>
    /// Checks that every rank starts from the same settings, data, weights and epoch, then wires the
    /// trainer's gradient averaging and its accuracy probe to the other ranks.
    /// </summary>
    public void Join(Trainer trainer, TrainingOptions options, string scheduleKind, int startEpoch, IImageSet train, IImageSet validation, IImageSet? selection = null)
    {
        if (!replicas.IsDistributed) return;
        // RunDirectory is left out: ranks on different nodes may name it differently.
        string settings = $"{trainer.Method} {scheduleKind} {options with { RunDirectory = "" }} from epoch {startEpoch}";
        Replicas.CheckAgree(replicas, Encoding.UTF8.GetBytes(settings), "training settings");
        // Sizes and labels stand for the data: cheap to compare, and a different file or split changes them.
        string data = $"{train.Count} {string.Join(',', train.Labels)} | {validation.Count} {string.Join(',', validation.Labels)}" +
                      (selection is null ? "" : $" | {selection.Count} {string.Join(',', selection.Labels)}");
        Replicas.CheckAgree(replicas, Encoding.UTF8.GetBytes(data), "training, validation or selection data (sizes, labels)");
        Replicas.CheckAgree(replicas, Replicas.Bytes(ModelState(trainer.Model)), "initial weights");
        trainer.ReplicaGradients = replicas.AverageGradients([.. trainer.Model.Parameters()]);
        if (trainer.AutoScalars is { } scalars) scalars.Decide = measure => replicas.FromRoot(measure, "the accuracy probe behind λ1/λ2");
    }

    /// <summary>After each optimizer step: the weights compared every <see cref="Replicas.CheckEveryVariable"/> steps (parameters only: batch-norm statistics are per replica until the epoch ends).</summary>
    public void AfterStep(Classifier model)
    {
        if (_checkEvery == 0 || ++_steps % _checkEvery != 0) return;
        Replicas.CheckAgree(replicas, Replicas.Bytes(model.Parameters()), $"weights after step {_steps}");
    }

    /// <summary>The mean training loss over every rank's samples.</summary>
    public float MeanLoss(double lossSum, int seen)
    {
        Span<double> totals = [lossSum, seen];
        replicas.AllReduceSum(totals, "the epoch's training loss");
        return totals[1] == 0 ? float.NaN : (float)(totals[0] / totals[1]);
    }

    /// <summary>
    /// Makes the replicas one model again after an epoch: batch-norm running statistics, which each
    /// replica kept from its own batches, become their mean.
    /// </summary>
    public void AverageStatistics(Classifier model) =>
        Replicas.Average(replicas, [.. model.NamedBuffers().Select(b => b.Tensor)], "batch-norm statistics");

    /// <summary>Clean and robust accuracy on a held-out set (validation, or the test set that selects): each rank evaluates every Size-th sample from its rank on, and the correct counts are added.</summary>
    public (float Clean, float Robust) Validate(Evaluator evaluator, Classifier model, IImageSet validation, PgdConfig attack, int seed)
    {
        if (!replicas.IsDistributed)
            return (evaluator.CleanAccuracy(model, validation), evaluator.RobustAccuracy(model, validation, attack, seed));
        var mine = Enumerable.Range(0, validation.Count).Where(i => i % replicas.Size == replicas.Rank).ToArray();
        Span<long> correct = [0, 0];
        if (mine.Length > 0)
        {
            var shard = validation.Select(mine, $"{validation.Name} (rank {replicas.Rank})");
            correct[0] = (long)Math.Round(evaluator.CleanAccuracy(model, shard) * (double)mine.Length);
            correct[1] = (long)Math.Round(evaluator.RobustAccuracy(model, shard, attack, seed) * (double)mine.Length);
        }
        replicas.AllReduceSum(correct, "the validation counts");
        return ((float)correct[0] / validation.Count, (float)correct[1] / validation.Count);
    }

    /// <summary>Fails, naming the ranks, unless every replica ended with rank 0's weights and statistics.</summary>
    public void CheckTrained(Classifier model)
    {
        if (replicas.IsDistributed) Replicas.CheckAgree(replicas, Replicas.Bytes(ModelState(model)), "trained weights");
    }

    private static IEnumerable<Core.Tensor> ModelState(Classifier model) =>
        model.NamedParameters().Concat(model.NamedBuffers()).Select(p => p.Tensor);
}
