using AutoLoRa.Core.Autograd;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Analysis;

/// <summary>The cosine similarity of two objectives' gradients at one convolution.</summary>
public sealed record LayerSimilarity(string Layer, float Cosine);

/// <summary>One objective pair's similarity per convolution, with the mean and (population) standard deviation across convolutions.</summary>
public sealed record PairSimilarity(string Pair, float Mean, float Std, IReadOnlyList<LayerSimilarity> Layers);

/// <summary>
/// The paper's Fig. 1 diagnostic: for each convolution of the feature extractor, the cosine
/// similarity between the gradients of a method's natural and adversarial objectives (the pairs
/// each <see cref="Trainer.GradientObjectives"/> defines), per batch on the method's own training
/// attack and in training mode, as a step sees them; then averaged over the batches. Gradients come
/// from <see cref="Backward.Grad(Tensor, Tensor[])"/> on copies of the model, so parameter gradients, weights and
/// batch-norm statistics of the model are left as they were.
/// </summary>
public static class GradientSimilarity
{
    /// <summary>Measures on the first <paramref name="batches"/> batches of <paramref name="data"/> (in order; attack noise seeded by <paramref name="seed"/>).</summary>
    public static IReadOnlyList<PairSimilarity> Measure(Backend backend, Trainer trainer, IImageSet data, int batches, int batchSize, int seed)
    {
        if (batches < 1) throw new ArgumentException($"The gradient-similarity diagnostic needs at least one batch (got {batches}).");
        var sums = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        var layerOrder = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int measured = 0;
        using var loader = data.CreateLoader(batchSize, ImageSets.Evaluation((ulong)seed));
        foreach (var batch in loader.Epoch(0))
        {
            if (measured == batches) break;
            using var scope = TensorScope.Begin();
            using var copies = new ModelCopies(trainer.Model);
            var (x, y) = batch.ToTensors(backend);
            var pairs = trainer.GradientObjectives(copies, x, y, BatchRandom.For(seed, 0, batch.Index));
            if (pairs.Count == 0) throw new ArgumentException($"The {trainer.Method} method has no pair of natural and adversarial objectives to compare.");
            foreach (var pair in pairs)
            {
                if (!sums.TryGetValue(pair.Name, out var perLayer))
                {
                    sums[pair.Name] = perLayer = new Dictionary<string, double>(StringComparer.Ordinal);
                    layerOrder[pair.Name] = [];
                }
                foreach (var (layer, cosine) in Compare(pair))
                {
                    if (!perLayer.ContainsKey(layer)) layerOrder[pair.Name].Add(layer);
                    perLayer[layer] = perLayer.GetValueOrDefault(layer) + cosine;
                }
            }
            measured++;
        }
        if (measured == 0) throw new ArgumentException($"{data.Name} has no images to measure gradients on.");
        return sums.Select(p => Summarize(p.Key, layerOrder[p.Key].Select(l => new LayerSimilarity(l, (float)(p.Value[l] / measured))).ToList())).ToList();
    }

    /// <summary>cos∠(a, b) in double precision; 0 when either vector is zero (a vanished gradient has no direction to agree with).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Cannot compare gradients of {a.Length} and {b.Length} elements.");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>Mean and population standard deviation across layers.</summary>
    public static PairSimilarity Summarize(string pair, IReadOnlyList<LayerSimilarity> layers)
    {
        if (layers.Count == 0) throw new ArgumentException($"The objective pair '{pair}' shares no convolution to compare.");
        double mean = layers.Average(l => (double)l.Cosine);
        double variance = layers.Average(l => ((double)l.Cosine - mean) * ((double)l.Cosine - mean));
        return new PairSimilarity(pair, (float)mean, (float)Math.Sqrt(variance), layers);
    }

    /// <summary>Per shared layer, the cosine between d First / d W and d Second / d W.</summary>
    private static IEnumerable<(string Layer, double Cosine)> Compare(ObjectivePair pair)
    {
        var second = pair.Second.Weights.ToDictionary(w => w.Layer, w => w.Weight, StringComparer.Ordinal);
        var shared = pair.First.Weights.Where(w => second.ContainsKey(w.Layer)).ToList();
        var firstGrads = Backward.Grad(pair.First.Loss, shared.Select(w => w.Weight).ToArray());
        var secondGrads = Backward.Grad(pair.Second.Loss, shared.Select(w => second[w.Layer]).ToArray());
        for (int i = 0; i < shared.Count; i++) yield return (shared[i].Layer, Cosine(firstGrads[i].ToArray(), secondGrads[i].ToArray()));
    }
}
