using System.Globalization;
using System.Text.Json;
using AutoLoRa.Core.Backends;
using AutoLoRa.Training.Workloads;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench step</c>: times one training or inference step of a WORKLOADS.md workload
/// (warm-up steps, then min/median/max), with allocation and GC counts per step, so figures compare
/// directly with the PyTorch peer. With --profile the timed steps also report where the time went,
/// per primitive and per layer.
/// </summary>
internal static class StepBench
{
    public static int Run(Backend backend, string workloadName, string step, int steps, int warmup, bool json, bool profile, TextWriter output)
    {
        var workload = BenchmarkWorkload.Parse(workloadName);
        if (profile && json) throw new ArgumentException("--profile prints tables; it cannot be combined with --json.");
        var m = StepMeasurement.Run(backend, workload, step, steps, warmup, profile);
        var result = new Dictionary<string, object>
        {
            ["workload"] = workload.Name,
            ["step"] = step,
            ["backend"] = backend.Name,
            // What the products actually ran in (an older GPU asked for tf32 computes fp32).
            ["precision"] = backend.Precision.ToString().ToLowerInvariant(),
            ["batch"] = m.Batch,
            ["steps"] = steps,
            ["min_s"] = Math.Round(m.Seconds.Min(), 4),
            ["median_s"] = Math.Round(m.Median, 4),
            ["max_s"] = Math.Round(m.Seconds.Max(), 4),
            ["images_per_s"] = Math.Round(m.Batch / m.Median, 1),
            ["alloc_bytes_per_step"] = Math.Round(m.AllocatedBytesPerStep),
            ["gen0_gcs_per_step"] = Math.Round(m.Gen0PerStep, 2),
            ["gen2_gcs"] = m.Gen2,
            ["peak_working_set_mb"] = Math.Round(m.PeakWorkingSetMb),
            ["threads"] = Environment.ProcessorCount,
        };
        BenchMachine.AddTo(result);
        if (backend is AutoLoRa.Cpu.CpuBackend cpu) result["conv_autotune"] = cpu.Autotune;
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Default.DictionaryStringObject));
        }
        else
        {
            foreach (var (k, v) in result) output.WriteLine($"{k,-22} {Convert.ToString(v, CultureInfo.InvariantCulture)}");
        }
        if (m.Profile is not null) StepProfileReport.Write(m.Profile, steps, m.Mean, output);
        return 0;
    }
}
