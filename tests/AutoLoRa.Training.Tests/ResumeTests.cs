using AutoLoRa.Cpu;
using AutoLoRa.Data;
using AutoLoRa.Formats;
using AutoLoRa.Robust;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Optim;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Tests;

/// <summary>A run killed in mid-epoch and resumed must end with exactly the weights of an uninterrupted run.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "autolora-resume-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _cpu.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static readonly ImageDataset Train = Tiny.Halves(40, seed: 1);
    private static readonly ImageDataset Validation = Tiny.Halves(12, seed: 2);

    /// <summary>
    /// Runs AutoLoRa for 3 epochs in <paramref name="dir"/> (with <paramref name="optimizer"/>, on the tiny
    /// ResNet or a vit-mini); cancels after <paramref name="cancelAfterBatches"/> batches if given.
    /// </summary>
    private TrainingRun RunAutoLora(string dir, int? cancelAfterBatches, OptimizerKind optimizer = OptimizerKind.Sgd, bool vit = false)
    {
        var model = vit ? Tiny.Vit(_cpu, loraRank: 2) : Tiny.Model(_cpu, loraRank: 2);
        var evaluator = new Evaluation.Evaluator(_cpu, 16);
        var trainer = new AutoLora(model, new PgdConfig(0.1f, 0.03f, 2), AutomaticScalars.Automatic(),
            () => evaluator.CleanAccuracy(model, Train, Nn.Branch.Natural), learningRate: optimizer == OptimizerKind.AdamW ? 1e-3f : 0.01f);
        trainer.UseOptimizer(optimizer);
        var options = new TrainingOptions
        {
            Epochs = 3,
            BatchSize = 16,
            Seed = 7,
            RunDirectory = dir,
            ValidationAttack = PgdConfig.Evaluation(0.1f, steps: 3, stepSize: 0.03f),
            CropPadding = 1,
        };
        // Period 1 makes every epoch a schedule check, so the resumed state matters.
        var run = new TrainingRun(_cpu, trainer, new AutomaticSchedule(new AutomaticLearningRate(0.01f, period: 1)), options);
        using var cancel = new CancellationTokenSource();
        int batches = 0;
        var progress = new ImmediateProgress<TrainingProgress>(p =>
        {
            if (p.Phase == "train" && ++batches == cancelAfterBatches) cancel.Cancel();
        });
        try
        {
            run.Run(Train, Validation, progress, cancel.Token);
        }
        finally
        {
            trainer.Dispose();
            model.Dispose();
        }
        return run;
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, false)]
    [InlineData(OptimizerKind.AdamW, false)]
    [InlineData(OptimizerKind.AdamW, true)]
    public void ResumedRunEndsWithIdenticalWeights(OptimizerKind optimizer, bool vit)
    {
        string whole = Path.Combine(_root, "whole"), broken = Path.Combine(_root, "broken");
        RunAutoLora(whole, cancelAfterBatches: null, optimizer, vit);

        // 3 batches per epoch: cancelling at batch 5 kills the run inside epoch 2.
        Assert.ThrowsAny<OperationCanceledException>(() => RunAutoLora(broken, cancelAfterBatches: 5, optimizer, vit));
        var state = SafeTensors.Read(Path.Combine(broken, RunCheckpoint.FileName));
        Assert.Contains("\"CompletedEpochs\":1", state.Metadata[ModelFile.RunStateKey]);
        string optimizerState = optimizer == OptimizerKind.AdamW ? ".exp_avg_sq" : ".momentum_buffer";
        Assert.Contains(state.Entries, e => e.Name.StartsWith("optim.", StringComparison.Ordinal) && e.Name.EndsWith(optimizerState, StringComparison.Ordinal));
        var resumed = RunAutoLora(broken, cancelAfterBatches: null, optimizer, vit);
        Assert.Equal(3, resumed.History.Count);

        var expected = SafeTensors.Read(Path.Combine(whole, "model.safetensors"));
        var actual = SafeTensors.Read(Path.Combine(broken, "model.safetensors"));
        Assert.Equal(expected.Entries.Select(e => e.Name), actual.Entries.Select(e => e.Name));
        foreach (var e in expected.Entries)
        {
            Assert.True(e.Data.Span.SequenceEqual(actual[e.Name].Data.Span), $"{e.Name} differs after resume");
        }
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "log.jsonl")).Length, File.ReadAllLines(Path.Combine(broken, "log.jsonl")).Length);
    }

    [Fact]
    public void A_run_resumed_with_another_optimizer_is_told_which_state_is_missing()
    {
        string dir = Path.Combine(_root, "switched");
        Assert.ThrowsAny<OperationCanceledException>(() => RunAutoLora(dir, cancelAfterBatches: 5));
        var e = Assert.Throws<CheckpointException>(() => RunAutoLora(dir, cancelAfterBatches: null, OptimizerKind.AdamW));
        Assert.Contains(".exp_avg'", e.Message, StringComparison.Ordinal);
        Assert.Contains("another optimizer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_bit_in_the_checkpoint_stops_the_resume()
    {
        string dir = Path.Combine(_root, "flipped");
        Assert.ThrowsAny<OperationCanceledException>(() => RunAutoLora(dir, cancelAfterBatches: 5));
        string checkpoint = Path.Combine(dir, RunCheckpoint.FileName);
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[^5] ^= 0x01;
        File.WriteAllBytes(checkpoint, bytes);
        var e = Assert.Throws<CheckpointException>(() => RunAutoLora(dir, cancelAfterBatches: null));
        Assert.StartsWith(checkpoint, e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void ModelFileRoundTripsAndNamesItsSpec()
    {
        RunAutoLora(Path.Combine(_root, "model"), cancelAfterBatches: null);
        string path = Path.Combine(_root, "model", "model.safetensors");
        using var model = ModelFile.Load(path, _cpu);
        Assert.Equal("resnet-mini", model.Spec.Architecture);
        Assert.Equal(2, model.Spec.LoraRank);
        var file = SafeTensors.Read(path);
        Assert.Equal(SafeTensorDType.I64, file["bn1.num_batches_tracked"].DType);
        Assert.Equal(SafeTensorDType.F32, file["layer1.0.conv1.lora_A"].DType);
        // A run checkpoint loads as a model too.
        using var fromCheckpoint = ModelFile.Load(Path.Combine(_root, "model", RunCheckpoint.FileName), _cpu);
        Assert.Equal(model.Spec.Classes, fromCheckpoint.Spec.Classes);
    }
}
