using System.Diagnostics;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Distributed;
using AutoLoRa.Training.Workloads;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// What timing one step of a workload gave: seconds per timed step, allocation, GCs and (optionally) a
/// profile; as one replica of several, the seconds of each step spent waiting for the gradients'
/// all-reduce after backward and the bytes each step all-reduces.
/// </summary>
internal sealed record StepMeasurement(BenchmarkWorkload Workload, string Step, int Batch, double[] Seconds,
    double AllocatedBytesPerStep, double Gen0PerStep, int Gen2, double PeakWorkingSetMb, OpProfile? Profile,
    double[] WaitSeconds, long AllReduceBytes)
{
    public double Median => MedianTimer.Median(Seconds);

    public double Mean => Seconds.Average();

    /// <summary>
    /// Times <paramref name="steps"/> steps after <paramref name="warmup"/> untimed ones, exactly as
    /// WORKLOADS.md defines them (random inputs in [0, 1], random labels, fixed seeds).
    /// </summary>
    public static StepMeasurement Run(Backend backend, BenchmarkWorkload workload, string step, int steps, int warmup, bool profile, Communicator? replicas = null)
    {
        if (steps < 1 || warmup < 0) throw new ArgumentException($"--steps must be at least 1 and --warmup non-negative (got {steps}, {warmup}).");
        // Profiling is the backend's own switch: on for this measurement only, whoever owns the backend.
        bool wasProfiling = backend.Profiling;
        backend.Profiling = profile;
        try
        {
            return Measure(backend, workload, step, steps, warmup, profile, replicas ?? SingleProcess.Instance);
        }
        finally
        {
            backend.Profiling = wasProfiling;
        }
    }

    private static StepMeasurement Measure(Backend backend, BenchmarkWorkload workload, string step, int steps, int warmup, bool profile, Communicator replicas)
    {
        using var runner = new StepRunner(backend, workload, step, warmup + steps, replicas, labelForProfiling: profile);
        var averager = runner.Averager;
        for (int i = 0; i < warmup; i++) runner.Run(i);
        var times = new double[steps];
        var waits = new double[steps];
        var opProfile = profile ? new OpProfile() : null;
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        using (opProfile is null ? default(OpProfiler.ActiveScope?) : OpProfiler.Collect(opProfile))
        {
            for (int i = 0; i < steps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                var waited = averager?.Waited ?? TimeSpan.Zero;
                runner.Run(warmup + i);
                times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                waits[i] = ((averager?.Waited ?? TimeSpan.Zero) - waited).TotalSeconds;
            }
        }
        return new StepMeasurement(workload, step, runner.Batch, times,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)steps,
            (GC.CollectionCount(0) - gen0) / (double)steps,
            GC.CollectionCount(2) - gen2,
            Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
            opProfile,
            waits,
            averager is null ? 0 : averager.Layout.TotalElements * (long)sizeof(float));
    }
}
