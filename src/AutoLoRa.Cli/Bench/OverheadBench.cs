using System.Globalization;
using AutoLoRa.Core.Backends;
using AutoLoRa.Distributed;
using AutoLoRa.Training.Workloads;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench overhead</c>: what the LoRA branch costs — time(autolora) ÷ time(vanilla) on
/// the same workload (WORKLOADS.md), with the LoRA merge and its backward timed separately from a
/// profiled AutoLoRa run.
/// </summary>
/// <remarks>
/// The two steps alternate in one process, one of each per round, and the overhead is the median of
/// the rounds' ratios. Timed one method after the other, the ratio read 0.87 and 1.13 in two runs a
/// minute apart on the same machine: a machine whose speed moves over seconds to minutes moves the
/// two medians apart. Within a round both steps meet the same moment. The order reverses every other
/// round (<see cref="AlternatingRounds"/>), so neither step always runs on the caches the other left.
/// </remarks>
internal static class OverheadBench
{
    public static int Run(Backend backend, string workloadName, int steps, int warmup, TextWriter output)
    {
        if (steps < 1 || warmup < 0) throw new ArgumentException($"--steps must be at least 1 and --warmup non-negative (got {steps}, {warmup}).");
        var workload = BenchmarkWorkload.Parse(workloadName);
        var (autolora, vanilla) = Interleaved(backend, workload, steps, warmup);
        var ratios = autolora.Zip(vanilla, (a, v) => a / v).ToArray();
        var profiled = StepMeasurement.Run(backend, workload, "autolora", steps, warmup, profile: true);

        double merge = PerStepSeconds(profiled, "LoraMerge");
        double mergeBackward = PerStepSeconds(profiled, "LoraMergeBackward");
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"workload {workload.Name}, backend {backend.Name}, {steps} rounds of one step of each method, alternating, after {warmup} warm-up rounds (median s/step)");
        output.WriteLine(BenchMachine.Line);
        output.WriteLine(string.Create(inv, $"  autolora step           {MedianTimer.Median(autolora),9:0.0000} s"));
        output.WriteLine(string.Create(inv, $"  vanilla (TRADES) step   {MedianTimer.Median(vanilla),9:0.0000} s"));
        output.WriteLine(string.Create(inv, $"  LoRA overhead           {MedianTimer.Median(ratios),9:0.000} × (median of the rounds' autolora ÷ vanilla; rounds {ratios.Min():0.000}–{ratios.Max():0.000})"));
        output.WriteLine(string.Create(inv, $"  LoRA merge              {merge * 1000,9:0.00} ms/step ({merge / profiled.Mean:0.0%} of a profiled step)"));
        output.WriteLine(string.Create(inv, $"  LoRA merge backward     {mergeBackward * 1000,9:0.00} ms/step ({mergeBackward / profiled.Mean:0.0%})"));
        output.WriteLine("The two steps differ in more than the branch (AutoLoRa's attack maximises CE, TRADES's KL; AutoLoRa runs a natural and an adversarial forward), so the ratio is the whole-method cost, the merge rows the branch itself.");
        return 0;
    }

    /// <summary>Seconds of each method's timed steps, round by round, the two alternating in one process.</summary>
    private static (double[] Autolora, double[] Vanilla) Interleaved(Backend backend, BenchmarkWorkload workload, int steps, int warmup)
    {
        using var autolora = new StepRunner(backend, workload, "autolora", warmup + steps, SingleProcess.Instance, labelForProfiling: false);
        using var vanilla = new StepRunner(backend, workload, "vanilla", warmup + steps, SingleProcess.Instance, labelForProfiling: false);
        StepRunner[] runners = [autolora, vanilla];
        var seconds = AlternatingRounds.Time(runners.Length, warmup, steps, (method, round) => runners[method].Run(warmup + round));
        return (seconds[0], seconds[1]);
    }

    private static double PerStepSeconds(StepMeasurement m, string primitive) =>
        m.Profile!.Entries.Where(e => e.Primitive == primitive).Sum(e => e.Seconds) / m.Seconds.Length;
}
