using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Tests;

/// <summary>Each method's step on tiny data: it must learn, and AutoLoRa must route and weigh as specified.</summary>
public sealed class TrainerTests : IDisposable
{
    private readonly CpuBackend _cpu = new();

    public void Dispose() => _cpu.Dispose();

    private static readonly PgdConfig Attack = new(Epsilon: 0.1f, StepSize: 0.03f, Steps: 3);

    /// <summary>Mean loss of the first and of the last few of <paramref name="steps"/> steps on one fixed batch.</summary>
    private (float First, float Last) Train(Trainer trainer, int steps)
    {
        var data = Tiny.Halves(48, seed: 1);
        var images = new float[48 * 64];
        data.CopyBatch(Enumerable.Range(0, 48).ToArray(), images);
        using var x = Tensor.FromArray(_cpu, images, new Shape(48, 1, 8, 8));
        using var y = Tensor.FromLabels(_cpu, data.Labels);
        var losses = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = TensorScope.Begin();
            losses.Add(trainer.Step(x, y, new Random(step)).Item());
        }
        return (losses.Take(3).Average(), losses.TakeLast(3).Average());
    }

    [Fact]
    public void NaturalFineTuningLearns()
    {
        using var model = Tiny.Model(_cpu);
        using var trainer = new NaturalFineTuning(model, learningRate: 0.05f);
        var (first, last) = Train(trainer, 25);
        Assert.True(last < 0.5f * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void AdversarialPretrainingLearns()
    {
        using var model = Tiny.Model(_cpu);
        using var trainer = new AdversarialPretraining(model, Attack, learningRate: 0.05f);
        var (first, last) = Train(trainer, 25);
        Assert.True(last < 0.7f * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void VanillaRftLearns()
    {
        using var model = Tiny.Model(_cpu);
        using var trainer = new VanillaRft(model, Attack, learningRate: 0.05f);
        var (first, last) = Train(trainer, 25);
        Assert.True(last < 0.7f * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void AutoLoraLearnsAndRefreshesItsScalarsEveryQuarterEpoch()
    {
        using var model = Tiny.Model(_cpu, loraRank: 2);
        int measurements = 0;
        using var trainer = new AutoLora(model, Attack, AutomaticScalars.Automatic(), () => { measurements++; return 0.5f; }, learningRate: 0.05f);
        for (int batch = 0; batch < 8; batch++) trainer.OnEpochProgress(0, batch, batchesPerEpoch: 8);
        Assert.Equal(4, measurements);
        Assert.Equal(0.5f, trainer.Scalars["lambda1"]);
        Assert.Equal(3f, trainer.Scalars["lambda2"]);
        var (first, last) = Train(trainer, 25);
        Assert.True(last < 0.7f * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void AutoLoraUpdatesLoraAndFeatureExtractor()
    {
        using var model = Tiny.Model(_cpu, loraRank: 2);
        var loraB = model.LoraParameters().First(p => p.Shape[1] == 2 * 3);
        var conv = model.Convolutions().First(c => c.Name == "layer1.0.conv1").Conv.Weight;
        var (b0, w0) = (loraB.ToArray(), conv.ToArray());
        using var trainer = new AutoLora(model, Attack, AutomaticScalars.Fixed(0.5f, 6f), () => 0f, learningRate: 0.05f);
        Train(trainer, 2);
        Assert.NotEqual(b0, loraB.ToArray());
        Assert.NotEqual(w0, conv.ToArray());
    }

    [Fact]
    public void AutoLoraRejectsAModelWithoutLora()
    {
        using var model = Tiny.Model(_cpu);
        Assert.Throws<ArgumentException>(() => new AutoLora(model, Attack, AutomaticScalars.Automatic(), () => 0f));
    }

    [Fact]
    public void PgdStaysInTheBallAndRaisesTheLoss()
    {
        using var model = Tiny.Model(_cpu);
        using (var trainer = new NaturalFineTuning(model, learningRate: 0.05f)) Train(trainer, 20);
        var data = Tiny.Halves(30, seed: 2);
        var images = new float[30 * 64];
        data.CopyBatch(Enumerable.Range(0, 30).ToArray(), images);
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(_cpu, images, new Shape(30, 1, 8, 8));
        var y = Tensor.FromLabels(_cpu, data.Labels);
        foreach (var objective in new[] { PgdObjective.CrossEntropy, PgdObjective.KlDivergence })
        {
            foreach (var start in new[] { PgdStart.Uniform, PgdStart.SmallGaussian })
            {
                var config = new PgdConfig(0.15f, 0.05f, 5, objective, start);
                model.Train();
                var adv = new PgdAttack(config).Perturb(model, x, y, new Random(1));
                Assert.True(model.IsTraining, "the attack must restore the model's mode");
                model.Eval();
                float clean = Ops.CrossEntropy(model.Forward(x), y).Item();
                float attacked = Ops.CrossEntropy(model.Forward(adv), y).Item();
                Assert.True(attacked > clean, $"{objective}/{start}: loss {clean} -> {attacked}");
                var a = adv.ToArray();
                for (int i = 0; i < a.Length; i++)
                {
                    Assert.InRange(a[i], 0f, 1f);
                    Assert.InRange(a[i] - images[i], -0.15f - 1e-6f, 0.15f + 1e-6f);
                }
            }
        }
    }

    [Fact]
    public void EvaluatorOrdersRobustBelowClean()
    {
        using var model = Tiny.Model(_cpu);
        using (var trainer = new NaturalFineTuning(model, learningRate: 0.05f)) Train(trainer, 25);
        var data = Tiny.Halves(60, seed: 3);
        var evaluator = new Evaluator(_cpu, batchSize: 32);
        float clean = evaluator.CleanAccuracy(model, data);
        float robust = evaluator.RobustAccuracy(model, data, PgdConfig.Evaluation(0.3f, steps: 10, stepSize: 0.05f), seed: 1);
        Assert.True(clean > 0.8f, $"clean accuracy {clean}");
        Assert.True(robust < clean, $"robust {robust} vs clean {clean}");
    }

    [Fact]
    public void EvaluatorShardsAddUpToTheOneProcessCounts()
    {
        using var model = Tiny.Model(_cpu);
        using (var trainer = new NaturalFineTuning(model, learningRate: 0.05f)) Train(trainer, 25);
        // 70 samples in batches of 8: 9 batches, the last of 6; 3 ranks take batches {0,3,6}, {1,4,7}, {2,5,8}.
        var data = Tiny.Halves(70, seed: 3);
        var evaluator = new Evaluator(_cpu, batchSize: 8);
        var shards = Enumerable.Range(0, 3).Select(r => evaluator.ShardRows(data.Count, r, 3)).ToArray();
        Assert.Equal(Enumerable.Range(0, 70), shards.SelectMany(rows => rows).Order());
        Assert.Equal([.. Enumerable.Range(16, 8), .. Enumerable.Range(40, 8), .. Enumerable.Range(64, 6)], shards[2]);

        var pgd = PgdConfig.Evaluation(0.3f, steps: 5, stepSize: 0.05f);
        foreach (var attack in new PgdConfig?[] { null, pgd })
        {
            long whole = evaluator.CorrectOnShard(model, data, attack, seed: 1, rank: 0, ranks: 1);
            long summed = Enumerable.Range(0, 3).Sum(r => evaluator.CorrectOnShard(model, data, attack, seed: 1, rank: r, ranks: 3));
            Assert.Equal(whole, summed);
        }
        // The attack takes some points but not all, so its random starts (one seed per batch of the whole) matter to the count.
        long robust = evaluator.CorrectOnShard(model, data, pgd, seed: 1, rank: 0, ranks: 1);
        Assert.InRange(robust, 1, evaluator.CorrectOnShard(model, data, null, seed: 1, rank: 0, ranks: 1) - 1);
        Assert.Equal(evaluator.RobustAccuracy(model, data, pgd, seed: 1), (float)robust / data.Count);
    }
}
