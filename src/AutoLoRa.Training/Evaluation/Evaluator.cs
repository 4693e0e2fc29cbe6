using AutoLoRa.Core.Autograd;
using AutoLoRa.Nn;
using AutoLoRa.Robust;

namespace AutoLoRa.Training.Evaluation;

/// <summary>Clean and PGD accuracy of a classifier over a dataset, in eval mode, batch by batch.</summary>
public sealed class Evaluator(Backend backend, int batchSize = 128)
{
    /// <summary>Fraction of samples classified correctly on clean inputs along the given path.</summary>
    public float CleanAccuracy(Classifier model, IImageSet data, Branch branch = Branch.Main, IProgress<int>? progress = null) =>
        Accuracy(model, data, seed: 0, attack: null, branch, progress);

    /// <summary>Fraction of samples still classified correctly after the attack (each batch seeded from <paramref name="seed"/>).</summary>
    public float RobustAccuracy(Classifier model, IImageSet data, PgdConfig attack, int seed, IProgress<int>? progress = null) =>
        Accuracy(model, data, seed, new PgdAttack(attack), Branch.Main, progress);

    /// <summary>
    /// Samples classified correctly (after <paramref name="attack"/>, when given) on one rank's share
    /// of <paramref name="data"/>: batches <paramref name="rank"/>, <paramref name="rank"/> + <paramref name="ranks"/>, …
    /// of the one-process batching, each attacked with its one-process seed. Summed over the ranks it
    /// is the one-process count exactly; a rank past the last batch has nothing to do and counts 0.
    /// </summary>
    public long CorrectOnShard(Classifier model, IImageSet data, PgdConfig? attack, int seed, int rank, int ranks, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranks);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, ranks);
        if (data.Count == 0) throw new ArgumentException($"Cannot evaluate on the empty dataset {data.Name}.");
        if (ranks == 1) return Correct(model, data, seed, attack is null ? null : new PgdAttack(attack), Branch.Main, progress, _ => _).Correct;
        var rows = ShardRows(data.Count, rank, ranks);
        if (rows.Length == 0) return 0;
        // The shard's batch i is the whole data's batch rank + i·ranks: whole batches but for the last, which is last in both.
        return Correct(model, data.Select(rows), seed, attack is null ? null : new PgdAttack(attack), Branch.Main, progress, i => rank + i * ranks).Correct;
    }

    /// <summary>The samples of batches <paramref name="rank"/>, <paramref name="rank"/> + <paramref name="ranks"/>, … of <paramref name="count"/> samples in this evaluator's batches.</summary>
    public int[] ShardRows(int count, int rank, int ranks) =>
        [.. Enumerable.Range(0, count).Where(i => i / batchSize % ranks == rank)];

    private float Accuracy(Classifier model, IImageSet data, int seed, PgdAttack? attack, Branch branch, IProgress<int>? progress)
    {
        if (data.Count == 0) throw new ArgumentException($"Cannot evaluate on the empty dataset {data.Name}.");
        var (correct, done) = Correct(model, data, seed, attack, branch, progress, i => i);
        return (float)correct / done;
    }

    /// <summary>Correct and evaluated samples; <paramref name="batchNumber"/> maps a batch's index to the one its seed is drawn for.</summary>
    private (int Correct, int Done) Correct(Classifier model, IImageSet data, int seed, PgdAttack? attack, Branch branch, IProgress<int>? progress, Func<int, int> batchNumber)
    {
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            using var loader = data.CreateLoader(batchSize, ImageSets.Evaluation((ulong)seed));
            int correct = 0, done = 0;
            var predictions = new int[batchSize];
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = TensorScope.BeginRecycling();
                var (x, y) = batch.ToTensors(backend);
                if (attack is not null) x = attack.Perturb(model, x, y, BatchRandom.For(seed, 0, batchNumber(batch.Index)));
                Tensor logits;
                using (GradMode.NoGrad()) logits = model.Forward(x, branch);
                var predicted = Tensor.Empty(backend, new Shape(batch.Count), DType.Int32);
                backend.ArgMaxRows(batch.Count, logits.Shape[1], logits.Buffer, predicted.Buffer);
                backend.Download(predicted.Buffer, predictions.AsSpan(0, batch.Count));
                for (int i = 0; i < batch.Count; i++)
                {
                    if (predictions[i] == batch.Labels[i]) correct++;
                }
                done += batch.Count;
                progress?.Report(done);
            }
            return (correct, done);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
