using System.Text.Json;
using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Analysis;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Tests;

/// <summary>The gradient-similarity diagnostic: right numbers, the pairs each method defines, and no side effects on the trained model.</summary>
public sealed class GradientSimilarityTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "autolora-gradsim-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _cpu.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static readonly PgdConfig Attack = new(Epsilon: 0.1f, StepSize: 0.03f, Steps: 2);
    private const int Seed = 4, BatchSize = 12;

    [Fact]
    public void CosineOfKnownVectors()
    {
        Assert.Equal(0, GradientSimilarity.Cosine([1f, 0f], [0f, 3f]), 12);
        Assert.Equal(1, GradientSimilarity.Cosine([1f, 2f, -1f], [2f, 4f, -2f]), 6);
        Assert.Equal(-1, GradientSimilarity.Cosine([1f, 1f], [-3f, -3f]), 6);
        Assert.Equal(0.6, GradientSimilarity.Cosine([1f, 0f], [3f, 4f]), 6);
        Assert.Equal(0, GradientSimilarity.Cosine([0f, 0f], [3f, 4f]));
        var summary = GradientSimilarity.Summarize("p", [new("a", 0.2f), new("b", 0.6f)]);
        Assert.Equal(0.4f, summary.Mean, 6);
        Assert.Equal(0.2f, summary.Std, 6);
    }

    /// <summary>
    /// Vanilla RFT on one batch: the diagnostic's per-layer cosine equals the one computed directly
    /// from .Grad after backward of CE(f(x)) and of KL(p(x) ‖ p(x_adv)) on a copy of the model, and
    /// the model it measured is left bit-identical with no gradients.
    /// </summary>
    [Fact]
    public void VanillaCosinesMatchADirectComputationAndLeaveTheModelAlone()
    {
        var data = Tiny.Halves(BatchSize, seed: 1);
        using var model = Tiny.Model(_cpu);
        using var trainer = new VanillaRft(model, Attack, learningRate: 0.05f);
        var before = ModelStateCodec.ToEntries(model).ToList();

        var result = GradientSimilarity.Measure(_cpu, trainer, data, batches: 1, BatchSize, Seed).Single();

        var after = ModelStateCodec.ToEntries(model).ToList();
        Assert.All(before.Zip(after), p => Assert.True(p.First.Data.Span.SequenceEqual(p.Second.Data.Span), $"{p.First.Name} changed"));
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));

        using var scope = TensorScope.Begin();
        using var copy = ModelStateCodec.Clone(model);
        var images = new float[BatchSize * 64];
        data.CopyBatch(Enumerable.Range(0, BatchSize).ToArray(), images);
        var x = Tensor.FromArray(_cpu, images, new Shape(BatchSize, 1, 8, 8));
        var y = Tensor.FromLabels(_cpu, data.Labels);
        var pgd = new PgdAttack(Attack.With(PgdObjective.KlDivergence, PgdStart.SmallGaussian));
        var adversarial = pgd.Perturb(copy, x, y, BatchRandom.For(Seed, 0, 0));
        copy.Train();
        var clean = copy.Forward(x);
        var robust = copy.Forward(adversarial);
        var naturalGrads = GradsOf(copy, Ops.CrossEntropy(clean, y));
        var robustGrads = GradsOf(copy, Ops.KlDivergence(clean, robust));

        Assert.Equal(copy.Convolutions().Select(c => c.Name), result.Layers.Select(l => l.Layer));
        foreach (var layer in result.Layers)
        {
            var (a, b) = (naturalGrads[layer.Layer], robustGrads[layer.Layer]);
            double dot = a.Zip(b, (u, v) => (double)u * v).Sum();
            double expected = dot / Math.Sqrt(a.Sum(u => (double)u * u) * b.Sum(v => (double)v * v));
            Assert.True(Math.Abs(expected - layer.Cosine) < 1e-4, $"{layer.Layer}: {layer.Cosine} vs {expected}");
        }
        double mean = result.Layers.Average(l => l.Cosine);
        Assert.Equal(mean, result.Mean, 5);
        Assert.Equal(Math.Sqrt(result.Layers.Average(l => (l.Cosine - mean) * (l.Cosine - mean))), result.Std, 5);
    }

    /// <summary>Every convolution's weight gradient of <paramref name="loss"/>, through .Grad (the way training gets them).</summary>
    private static Dictionary<string, float[]> GradsOf(Classifier model, Tensor loss)
    {
        foreach (var p in model.Parameters()) p.ZeroGrad();
        loss.Backward();
        return model.Convolutions().ToDictionary(c => c.Name, c => c.Conv.Weight.Grad!.ToArray());
    }

    [Fact]
    public void AutoLoraComparesTheAdversarialTermsEverywhereAndNaturalAgainstAdversarialWhereLoraIs()
    {
        var data = Tiny.Halves(BatchSize, seed: 1);
        using var model = Tiny.Model(_cpu, loraRank: 2);
        using var trainer = new AutoLora(model, Attack, AutomaticScalars.Fixed(0.5f, 6f), () => 0f, learningRate: 0.05f);
        var pairs = GradientSimilarity.Measure(_cpu, trainer, data, batches: 1, BatchSize, Seed).ToDictionary(p => p.Pair);
        var convs = model.Convolutions().Select(c => c.Name).ToList();
        Assert.Equal(convs, pairs["adversarial CE vs KL"].Layers.Select(l => l.Layer));
        Assert.Equal(convs.Where(c => c != "conv1"), pairs["natural vs adversarial"].Layers.Select(l => l.Layer));
        Assert.All(pairs.Values.SelectMany(p => p.Layers), l => Assert.InRange(l.Cosine, -1f, 1f));
        Assert.All(pairs.Values.SelectMany(p => p.Layers), l => Assert.NotEqual(0f, l.Cosine));
    }

    [Fact]
    public void NaturalFineTuningHasNothingToCompare()
    {
        using var model = Tiny.Model(_cpu);
        using var trainer = new NaturalFineTuning(model, 0.05f);
        Assert.Throws<ArgumentException>(() => GradientSimilarity.Measure(_cpu, trainer, Tiny.Halves(BatchSize, 1), 1, BatchSize, Seed));
    }

    [Fact]
    public void ATrackedRunLogsTheSimilarityOfEveryEpoch()
    {
        using var model = Tiny.Model(_cpu);
        model.AddTwinNorms();
        using var trainer = new Twins(model, Attack, learningRate: 0.05f, nominalBatchSize: BatchSize);
        var options = new TrainingOptions
        {
            Epochs = 2,
            BatchSize = BatchSize,
            RunDirectory = _root,
            ValidationAttack = PgdConfig.Evaluation(0.1f, steps: 2, stepSize: 0.05f),
            GradSimBatches = 1,
        };
        var run = new TrainingRun(_cpu, trainer, new StepSchedule(StepDecay.TradesDefault(0.05f, 2)), options);
        run.Run(Tiny.Halves(36, seed: 1), Tiny.Halves(12, seed: 2));
        Assert.All(run.History, h => Assert.Equal("natural vs adversarial", Assert.Single(h.GradientSimilarity!).Pair));
        var lines = File.ReadAllLines(Path.Combine(_root, "log.jsonl"));
        Assert.Equal(2, lines.Length);
        var logged = JsonSerializer.Deserialize<EpochRecord>(lines[1])!;
        Assert.Equal(run.History[1].GradientSimilarity![0].Mean, logged.GradientSimilarity![0].Mean);
        Assert.Equal(model.Convolutions().Count(), logged.GradientSimilarity[0].Layers.Count);
    }
}
