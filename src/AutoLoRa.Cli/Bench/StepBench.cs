using System.Globalization;
using System.Text.Json;
using AutoLoRa.Core.Backends;
using AutoLoRa.Distributed;
using AutoLoRa.Training.Workloads;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench step</c>: times one training or inference step of a WORKLOADS.md workload
/// (warm-up steps, then min/median/max), with allocation and GC counts per step, so figures compare
/// directly with the PyTorch peer. With --profile the timed steps also report where the time went,
/// per primitive and per layer. Under mpirun each rank runs the step as one replica of a data-parallel
/// run (its gradients averaged over the ranks), and rank 0 reports the share of a step spent waiting
/// for that all-reduce after backward, its own and the mean over the ranks.
/// </summary>
internal static class StepBench
{
    public static int Run(Backend backend, string workloadName, string step, int steps, int warmup, bool json, bool profile, TextWriter output, Communicator? replicas = null)
    {
        replicas ??= SingleProcess.Instance;
        var workload = BenchmarkWorkload.Parse(workloadName);
        if (profile && json) throw new ArgumentException("--profile prints tables; it cannot be combined with --json.");
        var m = StepMeasurement.Run(backend, workload, step, steps, warmup, profile, replicas);
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
        if (replicas.IsDistributed) AddCommunication(result, m, replicas);
        if (!replicas.IsRoot) return 0;
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

    /// <summary>
    /// The ranks, the bytes a step all-reduces, and the seconds after backward spent waiting for it:
    /// rank 0's median and share of its step time, and that share's mean over the ranks (every rank
    /// takes part in the collective that averages it).
    /// </summary>
    private static void AddCommunication(Dictionary<string, object> result, StepMeasurement m, Communicator replicas)
    {
        double share = m.Seconds.Sum() > 0 ? m.WaitSeconds.Sum() / m.Seconds.Sum() : 0;
        Span<double> total = [share];
        replicas.AllReduceSum(total, "the communication shares of the ranks");
        var waits = m.WaitSeconds.Order().ToArray();
        result["ranks"] = replicas.Size;
        result["allreduce_bytes_per_step"] = m.AllReduceBytes;
        result["comm_wait_median_s"] = Math.Round(waits[waits.Length / 2], 4);
        result["comm_wait_share"] = Math.Round(share, 4);
        result["comm_wait_share_mean_over_ranks"] = Math.Round(total[0] / replicas.Size, 4);
    }
}
