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

    private float Accuracy(Classifier model, IImageSet data, int seed, PgdAttack? attack, Branch branch, IProgress<int>? progress)
    {
        if (data.Count == 0) throw new ArgumentException($"Cannot evaluate on the empty dataset {data.Name}.");
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
                if (attack is not null) x = attack.Perturb(model, x, y, BatchRandom.For(seed, 0, batch.Index));
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
            return (float)correct / done;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
