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
/// statistics to DIR/rank-R.bin, which the test compares; rank 0's run directory is DIR/run.
/// </summary>
internal static class FineTuneCheck
{
    /// <param name="c">The ranks.</param>
    /// <param name="dir">Where the run directory and the per-rank files go.</param>
    /// <param name="seed">The run's seed; a different one per rank must be refused at the start.</param>
    public static void Run(Communicator c, string dir, int seed = 7)
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
        run.Run(train, validation);
        File.WriteAllBytes(Path.Combine(dir, $"rank-{c.Rank}.bin"),
            Replicas.Bytes(model.NamedParameters().Concat(model.NamedBuffers()).Select(p => p.Tensor)));
    }
}
