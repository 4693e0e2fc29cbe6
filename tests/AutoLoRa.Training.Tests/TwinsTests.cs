using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Data;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Layers;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Tests;

/// <summary>TWINS-TRADES: its loss on numbers worked out by hand, its step's routing and updates, and its model files.</summary>
public sealed class TwinsTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "autolora-twins-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static readonly PgdConfig Attack = new(Epsilon: 0.1f, StepSize: 0.03f, Steps: 3);
    private static readonly float Ln3 = MathF.Log(3f);

    private Tensor Logits(params float[][] rows) =>
        Tensor.FromArray(_cpu, rows.SelectMany(r => r).ToArray(), new Shape(rows.Length, rows[0].Length));

    /// <summary>
    /// Four samples, two classes; rows 0–1 are the frozen wing's, rows 2–3 the adaptive wing's.
    /// Softmax of [0, 0] is (½, ½), of [ln 3, 0] is (¾, ¼), of [0, ln 3] is (¼, ¾).
    /// </summary>
    [Fact]
    public void LossMatchesAHandComputedExample()
    {
        var clean = Logits([0, 0], [Ln3, 0], [0, 0], [0, Ln3]);
        var adversarial = Logits([Ln3, 0], [0, 0], [0, 0], [Ln3, 0]);
        var labels = Tensor.FromLabels(_cpu, [0, 1, 1, 1]);
        const float gamma = 0.5f, beta = 6f;
        const int nominal = 8;
        var (natural, robust) = TwinsLoss.Parts(clean, adversarial, labels, gamma, nominal);

        double ln2 = Math.Log(2), ln3 = Math.Log(3);
        // CE: row 0 −ln ½, row 1 −ln ¼, row 2 −ln ½, row 3 −ln ¾; each wing's mean.
        double ceFrozen = (ln2 + 2 * ln2) / 2, ceAdaptive = (ln2 + Math.Log(4.0 / 3)) / 2;
        // KL(p_clean ‖ p_adv) per row: ½ln(½/¾) + ½ln(½/¼); ¾ln(¾/½) + ¼ln(¼/½); 0; ¼ln(¼/¾) + ¾ln(¾/¼).
        double klFrozenSum = (0.5 * Math.Log(2.0 / 3) + 0.5 * ln2) + (0.75 * Math.Log(1.5) - 0.25 * ln2);
        double klAdaptiveSum = 0 + (-0.25 * ln3 + 0.75 * ln3);
        double expectedNatural = gamma * ceFrozen + ceAdaptive;
        double expectedRobust = gamma * klFrozenSum / nominal + klAdaptiveSum / nominal;

        Assert.Equal(expectedNatural, natural.Item(), 5);
        Assert.Equal(expectedRobust, robust.Item(), 5);
        Assert.Equal(expectedNatural + beta * expectedRobust, natural.Item() + beta * robust.Item(), 5);
    }

    [Fact]
    public void ParityKlIsHalfThePerWingMeanWhenTheBatchIsFull()
    {
        var clean = Tensor.FromArray(_cpu, Nn.Init.Normal(new Random(1), 8 * 5), new Shape(8, 5));
        var adversarial = Tensor.FromArray(_cpu, Nn.Init.Normal(new Random(2), 8 * 5), new Shape(8, 5));
        var labels = Tensor.FromLabels(_cpu, [0, 1, 2, 3, 4, 0, 1, 2]);
        var parity = TwinsLoss.Parts(clean, adversarial, labels, 0.7f, nominalBatch: 8).Robust.Item();
        var mean = TwinsLoss.Parts(clean, adversarial, labels, 0.7f, nominalBatch: 8, TwinsKlNormalization.PerWingMean).Robust.Item();
        Assert.Equal(0.5f * mean, parity, 5);
        Assert.True(mean > 0);
    }

    [Fact]
    public void AnOddBatchGivesTheFrozenWingTheSmallerHalf()
    {
        var clean = Tensor.FromArray(_cpu, Nn.Init.Normal(new Random(3), 5 * 3), new Shape(5, 3));
        var adversarial = Tensor.FromArray(_cpu, Nn.Init.Normal(new Random(4), 5 * 3), new Shape(5, 3));
        var labels = Tensor.FromLabels(_cpu, [2, 0, 1, 1, 0]);
        var (natural, robust) = TwinsLoss.Parts(clean, adversarial, labels, 0.3f, nominalBatch: 6);

        float Ce(int start, int count) => Ops.CrossEntropy(Ops.Rows(clean, start, count), Ops.Rows(labels, start, count)).Item();
        float KlSum(int start, int count) => count * Ops.KlDivergence(Ops.Rows(clean, start, count), Ops.Rows(adversarial, start, count)).Item();
        Assert.Equal(0.3f * Ce(0, 2) + Ce(2, 3), natural.Item(), 5);
        Assert.Equal((0.3f * KlSum(0, 2) + KlSum(2, 3)) / 6, robust.Item(), 5);
    }

    /// <summary>The first batch of the tiny training data.</summary>
    private (Tensor X, Tensor Y) Batch(int n)
    {
        var data = Tiny.Halves(n, seed: 1);
        var images = new float[n * 64];
        data.CopyBatch(Enumerable.Range(0, n).ToArray(), images);
        return (Tensor.FromArray(_cpu, images, new Shape(n, 1, 8, 8)), Tensor.FromLabels(_cpu, data.Labels));
    }

    private Classifier TwinModel()
    {
        var model = Tiny.Model(_cpu);
        model.AddTwinNorms();
        return model;
    }

    [Fact]
    public void AStepKeepsFrozenStatisticsMovesAdaptiveOnesAndTrainsBothAffineSets()
    {
        using var model = TwinModel();
        var norms = model.BatchNorms().ToList();
        var frozenStats = norms.Select(b => (b.Norm.FrozenWing!.RunningMean.ToArray(), b.Norm.FrozenWing.RunningVar.ToArray())).ToList();
        var adaptiveMeans = norms.Select(b => b.Norm.RunningMean.ToArray()).ToList();
        var frozenWeights = norms.Select(b => b.Norm.FrozenWing!.Weight.ToArray()).ToList();
        var adaptiveWeights = norms.Select(b => b.Norm.Weight.ToArray()).ToList();
        using var trainer = new Twins(model, Attack, learningRate: 0.05f, gamma: 0.5f, nominalBatchSize: 24);
        var (x, y) = Batch(24);
        trainer.Step(x, y, new Random(1));
        trainer.Step(x, y, new Random(2));

        for (int i = 0; i < norms.Count; i++)
        {
            var wing = norms[i].Norm.FrozenWing!;
            Assert.Equal(frozenStats[i].Item1, wing.RunningMean.ToArray());
            Assert.Equal(frozenStats[i].Item2, wing.RunningVar.ToArray());
            Assert.NotEqual(adaptiveMeans[i], norms[i].Norm.RunningMean.ToArray());
            Assert.NotEqual(frozenWeights[i], wing.Weight.ToArray());
            Assert.NotEqual(adaptiveWeights[i], norms[i].Norm.Weight.ToArray());
        }
        // Two training forwards per step (adversarial, then clean) update the adaptive statistics twice.
        Assert.Equal(4, norms[0].Norm.NumBatchesTracked);
    }

    [Fact]
    public void TwinsLearnsAndNeedsTwinNorms()
    {
        using (var plain = Tiny.Model(_cpu))
        {
            Assert.Throws<ArgumentException>(() => new Twins(plain, Attack, learningRate: 0.05f));
        }
        // The frozen wing normalises with the checkpoint's statistics, so start from a "pre-trained"
        // model whose statistics fit the data (a random model's defaults, mean 0 and variance 1, do not).
        using var model = Tiny.Model(_cpu);
        var (x, y) = Batch(48);
        using (var pretraining = new NaturalFineTuning(model, learningRate: 0.05f))
        {
            for (int step = 0; step < 10; step++)
            {
                using var scope = TensorScope.Begin();
                pretraining.Step(x, y, new Random(step));
            }
        }
        model.AddTwinNorms();
        // A smaller rate than the other methods' tests: the frozen wing trains like an eval-mode
        // network, which diverges on this tiny net at 0.05 (hence TWINS's own default of 0.003).
        using var trainer = new Twins(model, Attack, learningRate: 0.01f, nominalBatchSize: 48);
        var losses = Enumerable.Range(0, 25).Select(step =>
        {
            using var scope = TensorScope.Begin();
            return trainer.Step(x, y, new Random(step)).Item();
        }).ToList();
        float first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
        Assert.True(last < 0.7f * first, $"loss {first} -> {last}");
    }

    [Theory]
    [InlineData("vanilla")]
    [InlineData("twins")]
    public void AutomaticScalarsWeighCleanCeByLambda1AndKlByLambda2(string method)
    {
        // SA = 0.5 gives λ1 = 0.5 and λ2 = 3: exactly half of the constant loss CE + 6·KL.
        using var automaticModel = method == "twins" ? TwinModel() : Tiny.Model(_cpu);
        using var constantModel = method == "twins" ? TwinModel() : Tiny.Model(_cpu);
        var scalars = new MeasuredScalars(AutomaticScalars.Automatic(), () => 0.5f);
        using Trainer automatic = method == "twins"
            ? new Twins(automaticModel, Attack, 0.05f, nominalBatchSize: 24, autoScalars: scalars)
            : new VanillaRft(automaticModel, Attack, 0.05f, autoScalars: scalars);
        using Trainer constant = method == "twins"
            ? new Twins(constantModel, Attack, 0.05f, nominalBatchSize: 24)
            : new VanillaRft(constantModel, Attack, 0.05f);
        automatic.OnEpochProgress(0, 0, batchesPerEpoch: 4);
        Assert.Equal(0.5f, automatic.Scalars["lambda1"]);
        Assert.Equal(3f, automatic.Scalars["lambda2"]);
        Assert.Equal(0.5f, automatic.Scalars["sa_nat"]);
        Assert.Empty(constant.Scalars);

        var (x, y) = Batch(24);
        float weighted = automatic.Step(x, y, new Random(1)).Item();
        float plain = constant.Step(x, y, new Random(1)).Item();
        Assert.Equal(0.5f * plain, weighted, 4);
    }

    /// <summary>A TWINS run of <paramref name="epochs"/> epochs on tiny data in <paramref name="dir"/> (resuming when it holds a checkpoint).</summary>
    private TrainingRun RunTwins(Classifier model, string dir, int epochs)
    {
        using var trainer = new Twins(model, Attack, learningRate: 0.01f, nominalBatchSize: 16);
        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = 16,
            RunDirectory = dir,
            ValidationAttack = PgdConfig.Evaluation(0.1f, steps: 2, stepSize: 0.05f),
        };
        var run = new TrainingRun(_cpu, trainer, new StepSchedule(StepDecay.TwinsDefault(0.01f, 2)), options);
        run.Run(Tiny.Halves(40, seed: 1), Tiny.Halves(12, seed: 2));
        return run;
    }

    [Fact]
    public void AResumedTwinsRunEndsWithTheWeightsOfAnUninterruptedOne()
    {
        string whole = Path.Combine(_root, "whole"), resumed = Path.Combine(_root, "resumed");
        using (var model = TwinModel()) RunTwins(model, whole, epochs: 2);
        using (var model = TwinModel()) RunTwins(model, resumed, epochs: 1);
        using (var model = TwinModel()) Assert.Equal(2, RunTwins(model, resumed, epochs: 2).History.Count);
        var expected = SafeTensors.Read(Path.Combine(whole, RunCheckpoint.FileName));
        var actual = SafeTensors.Read(Path.Combine(resumed, RunCheckpoint.FileName));
        Assert.Contains(expected.Entries, e => e.Name.Contains(BatchNorm2d.FrozenWingName, StringComparison.Ordinal));
        Assert.Equal(expected.Entries.Select(e => e.Name), actual.Entries.Select(e => e.Name));
        Assert.All(expected.Entries, e => Assert.True(e.Data.Span.SequenceEqual(actual[e.Name].Data.Span), $"{e.Name} differs after resume"));
    }

    [Fact]
    public void AModelFileWrittenBeforeTwinsReadsAsPlain()
    {
        string path = Path.Combine(Directory.CreateDirectory(_root).FullName, "old.safetensors");
        using (var model = Tiny.Model(_cpu)) ModelFile.Save(path, model);
        var file = SafeTensors.Read(path);
        string json = file.Metadata[ModelFile.SpecKey];
        Assert.Contains(",\"TwinNorms\":false", json);
        SafeTensors.Write(path, file.Entries.ToList(), new Dictionary<string, string> { [ModelFile.SpecKey] = json.Replace(",\"TwinNorms\":false", "", StringComparison.Ordinal) });
        using var reread = ModelFile.Load(path, _cpu);
        Assert.False(reread.Spec.TwinNorms);
    }

    [Fact]
    public void ATwinsRunKeepsBothWingsInItsCheckpointAndWritesAPlainModelForEvaluation()
    {
        using var model = TwinModel();
        RunTwins(model, _root, epochs: 2);

        var checkpoint = SafeTensors.Read(Path.Combine(_root, RunCheckpoint.FileName));
        Assert.Contains(checkpoint.Entries, e => e.Name == "model.bn1." + BatchNorm2d.FrozenWingName + ".running_var");
        Assert.Contains(checkpoint.Entries, e => e.Name == "optim.bn1." + BatchNorm2d.FrozenWingName + ".weight.momentum_buffer");
        foreach (var file in new[] { "model.safetensors", "best.safetensors" })
        {
            var written = SafeTensors.Read(Path.Combine(_root, file));
            Assert.DoesNotContain(written.Entries, e => e.Name.Contains(BatchNorm2d.FrozenWingName, StringComparison.Ordinal));
            Assert.Contains("\"TwinNorms\":false", written.Metadata[ModelFile.SpecKey]);
        }

        // Both wings round-trip: the checkpoint reloads into a twin model with the trained frozen affine.
        using var reloaded = ModelFile.Load(Path.Combine(_root, RunCheckpoint.FileName), _cpu);
        Assert.True(reloaded.HasTwinNorms);
        Assert.Equal(model.BatchNorms().First().Norm.FrozenWing!.Weight.ToArray(), reloaded.BatchNorms().First().Norm.FrozenWing!.Weight.ToArray());

        // The plain model file predicts exactly what the trained twin model predicts in eval mode.
        using var plain = ModelFile.Load(Path.Combine(_root, "model.safetensors"), _cpu);
        Assert.False(plain.HasTwinNorms);
        var (x, _) = Batch(6);
        model.Eval();
        plain.Eval();
        reloaded.Eval();
        Assert.Equal(model.Forward(x).ToArray(), plain.Forward(x).ToArray());
        Assert.Equal(model.Forward(x).ToArray(), reloaded.Forward(x).ToArray());
    }
}
