using AutoLoRa.Cpu;
using AutoLoRa.Robust;
using AutoLoRa.Training;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Tests;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Distributed.Probe;

/// <summary>
/// A short AutoLoRa fine-tune of the tiny ResNet as one replica: 2 epochs of 3 batches per rank,
/// automatic λ1/λ2 and learning rate (checked every epoch). Each rank then writes its weights and
/// statistics to DIR/rank-R.bin, which the test compares; rank 0's run directory is DIR/run. With
/// select-on test, 13 more images pick best.safetensors and each rank writes the test robust
/// accuracies it saw to DIR/tested-R.txt.
/// </summary>
internal static class FineTuneCheck
{
    /// <param name="c">The ranks.</param>
    /// <param name="dir">Where the run directory and the per-rank files go.</param>
    /// <param name="seed">The run's seed; a different one per rank must be refused at the start.</param>
    /// <param name="selectOnTest">Whether a test set picks the best checkpoint (select-on test).</param>
    public static void Run(Communicator c, string dir, int seed = 7, bool selectOnTest = false)
    {
        using var cpu = new CpuBackend();
        var train = Tiny.Halves(44, seed: 1);
        var validation = Tiny.Halves(13, seed: 2);
        using var model = Tiny.Model(cpu, loraRank: 2);
        var evaluator = new Training.Evaluation.Evaluator(cpu, 16);
        using var trainer = new AutoLora(model, new PgdConfig(0.1f, 0.03f, 2), AutomaticScalars.Automatic(),
            () => evaluator.CleanAccuracy(model, train, Nn.Branch.Natural), learningRate: 0.01f);
        var options = new TrainingOptions
        {
            Epochs = 2,
            BatchSize = 8,
            Seed = seed,
            RunDirectory = Path.Combine(dir, "run"),
            ValidationAttack = PgdConfig.Evaluation(0.1f, steps: 2, stepSize: 0.03f),
            CropPadding = 1,
        };
        var run = new TrainingRun(cpu, trainer, new AutomaticSchedule(new AutomaticLearningRate(0.01f, period: 1)), options, c);
        run.Run(train, validation, selection: selectOnTest ? Tiny.Halves(13, seed: 3, labelShift: 1) : null);
        if (selectOnTest) File.WriteAllLines(Path.Combine(dir, $"tested-{c.Rank}.txt"), run.History.Select(h => $"{h.TestRobustAccuracy:R}"));
        File.WriteAllBytes(Path.Combine(dir, $"rank-{c.Rank}.bin"),
            Replicas.Bytes(model.NamedParameters().Concat(model.NamedBuffers()).Select(p => p.Tensor)));
    }
}
