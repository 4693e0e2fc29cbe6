using System.Globalization;
using AutoLoRa.Core.Backends;
using AutoLoRa.Training.Workloads;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench overhead</c>: what the LoRA branch costs — time(autolora) ÷ time(vanilla) on
/// the same workload (WORKLOADS.md), with the LoRA merge and its backward timed separately from a
/// profiled AutoLoRa run.
/// </summary>
internal static class OverheadBench
{
    public static int Run(Backend backend, string workloadName, int steps, int warmup, TextWriter output)
    {
        var workload = BenchmarkWorkload.Parse(workloadName);
        var autolora = StepMeasurement.Run(backend, workload, "autolora", steps, warmup, profile: false);
        var vanilla = StepMeasurement.Run(backend, workload, "vanilla", steps, warmup, profile: false);
        var profiled = StepMeasurement.Run(backend, workload, "autolora", steps, warmup, profile: true);

        double merge = PerStepSeconds(profiled, "LoraMerge");
        double mergeBackward = PerStepSeconds(profiled, "LoraMergeBackward");
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"workload {workload.Name}, backend {backend.Name}, {steps} timed steps after {warmup} warm-up (median s/step)");
        output.WriteLine(BenchMachine.Line);
        output.WriteLine(string.Create(inv, $"  autolora step           {autolora.Median,9:0.0000} s"));
        output.WriteLine(string.Create(inv, $"  vanilla (TRADES) step   {vanilla.Median,9:0.0000} s"));
        output.WriteLine(string.Create(inv, $"  LoRA overhead           {autolora.Median / vanilla.Median,9:0.000} × (autolora ÷ vanilla)"));
        output.WriteLine(string.Create(inv, $"  LoRA merge              {merge * 1000,9:0.00} ms/step ({merge / profiled.Mean:0.0%} of a profiled step)"));
        output.WriteLine(string.Create(inv, $"  LoRA merge backward     {mergeBackward * 1000,9:0.00} ms/step ({mergeBackward / profiled.Mean:0.0%})"));
        output.WriteLine("The two steps differ in more than the branch (AutoLoRa's attack maximises CE, TRADES's KL; AutoLoRa runs a natural and an adversarial forward), so the ratio is the whole-method cost, the merge rows the branch itself.");
        return 0;
    }

    private static double PerStepSeconds(StepMeasurement m, string primitive) =>
        m.Profile!.Entries.Where(e => e.Primitive == primitive).Sum(e => e.Seconds) / m.Seconds.Length;
}
