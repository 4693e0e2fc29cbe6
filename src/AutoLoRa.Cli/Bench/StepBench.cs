using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Diagnostics;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench step</c>: times one training or inference step of a WORKLOADS.md workload
/// (random inputs in [0, 1], random labels, warm-up steps, then min/median/max), with allocation
/// and GC counts per step, so figures compare directly with the PyTorch peer. With --profile the
/// timed steps also report where the time went, per primitive and per layer.
/// </summary>
internal static class StepBench
{
    public static int Run(IBackend backend, string workloadName, string step, int steps, int warmup, bool json, bool profile, TextWriter output)
    {
        var workload = StepWorkload.Parse(workloadName);
        if (steps < 1 || warmup < 0) throw new ArgumentException($"--steps must be at least 1 and --warmup non-negative (got {steps}, {warmup}).");
        if (profile && json) throw new ArgumentException("--profile prints tables; it cannot be combined with --json.");
        if (profile) backend = new ProfilingBackend(backend);
        using var model = ModelFactory.Create(backend, workload.Spec(step == "autolora" ? 8 : 0), seed: 1);
        using var trainer = CreateTrainer(model, step);
        int batch = step == "infer" ? StepWorkload.InferBatch : workload.BatchSize;
        var rng = new Random(7);
        var images = Enumerable.Range(0, batch * 3 * 32 * 32).Select(_ => (float)rng.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, batch).Select(_ => rng.Next(StepWorkload.Classes)).ToArray();
        using var x = Tensor.FromArray(backend, images, new Shape(batch, 3, 32, 32));
        using var y = Tensor.FromLabels(backend, labels);
        if (profile) model.LabelForProfiling();

        void OneStep(int i)
        {
            using var scope = TensorScope.Begin();
            using var phase = OpProfiler.Phase(trainer is null ? "infer" : "train");
            if (trainer is null)
            {
                model.Eval();
                using (GradMode.NoGrad()) model.Forward(x).ToArray();
            }
            else
            {
                trainer.Step(x, y, new Random(i)).Item();
            }
            backend.Synchronize();
        }

        for (int i = 0; i < warmup; i++) OneStep(i);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var times = new double[steps];
        var opProfile = new OpProfile();
        using (profile ? OpProfiler.Collect(opProfile) : default(OpProfiler.ActiveScope?))
        {
            for (int i = 0; i < steps; i++)
            {
                var clock = Stopwatch.StartNew();
                OneStep(warmup + i);
                times[i] = clock.Elapsed.TotalSeconds;
            }
        }
        double allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)steps;
        Array.Sort(times);
        double median = steps % 2 == 1 ? times[steps / 2] : (times[steps / 2 - 1] + times[steps / 2]) / 2;
        var result = new Dictionary<string, object>
        {
            ["workload"] = workload.Name,
            ["step"] = step,
            ["backend"] = backend.Name,
            ["batch"] = batch,
            ["steps"] = steps,
            ["min_s"] = Math.Round(times[0], 4),
            ["median_s"] = Math.Round(median, 4),
            ["max_s"] = Math.Round(times[^1], 4),
            ["images_per_s"] = Math.Round(batch / median, 1),
            ["alloc_bytes_per_step"] = Math.Round(allocatedPerStep),
            ["gen0_gcs_per_step"] = Math.Round((GC.CollectionCount(0) - gen0) / (double)steps, 2),
            ["gen2_gcs"] = GC.CollectionCount(2) - gen2,
            ["peak_working_set_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0),
            ["threads"] = Environment.ProcessorCount,
        };
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(result));
        }
        else
        {
            foreach (var (k, v) in result) output.WriteLine($"{k,-22} {Convert.ToString(v, CultureInfo.InvariantCulture)}");
        }
        if (profile) StepProfileReport.Write(opProfile, steps, times.Sum() / steps, output);
        return 0;
    }

    /// <summary>The steps exactly as WORKLOADS.md defines them; null for inference.</summary>
    private static Trainer? CreateTrainer(Classifier model, string step)
    {
        var attack = new AttackSettings(8f / 255f, 2f / 255f, 10);
        return step switch
        {
            "autolora" => new AutoLora(model, attack, AutomaticScalars.Fixed(0.5f, 3f), () => 0f, learningRate: 0.01f, weightDecay: 2e-4f),
            "vanilla" => new VanillaRft(model, attack, learningRate: 0.01f, beta: 6f, weightDecay: 2e-4f),
            "infer" => null,
            _ => throw new ArgumentException($"--step '{step}' is unknown; choose autolora, vanilla or infer."),
        };
    }
}
