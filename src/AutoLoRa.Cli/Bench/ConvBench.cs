using System.Globalization;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Workloads;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench conv</c>: every distinct convolution of a workload's ResNet-18 (WORKLOADS.md),
/// forward, data gradient and filter gradient, timed on the chosen backend with GFLOP/s
/// (2·N·K·C·R·S·OutH·OutW per call) — the per-layer view behind a step's time. On the CPU backend
/// each row also names the algorithm each pass ran (autotuned or fixed), and with
/// <c>--candidates</c> every applicable algorithm is timed side by side in the same process (in
/// interleaved rounds), with the chosen one's time relative to the best's, so the choice can be
/// checked against the alternatives without comparing figures across processes.
/// </summary>
internal static class ConvBench
{
    public static int Run(Backend backend, string workloadName, int repetitions, bool candidates, string[] layers, TextWriter output)
    {
        var workload = BenchmarkWorkload.Parse(workloadName);
        if (!workload.Convolutions().Any()) throw new ArgumentException($"--workload {workload.Name} is a {workload.Architecture}, which has no ResNet convolutions to time; choose r18w16-b64 or r18-b32.");
        var known = workload.Convolutions().Select(c => c.Name).ToArray();
        var unknown = layers.Except(known).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"--layer {string.Join(", ", unknown)}: no such layer in {workload.Name}; its layers are {string.Join(", ", known)}.");
        if (repetitions < 1) throw new ArgumentException($"--reps must be at least 1 (got {repetitions}).");
        var cpu = backend as CpuBackend;
        if (candidates && cpu is null) throw new ArgumentException($"--candidates compares the CPU backend's algorithms; backend {backend.Name} has none to compare (use --backend cpu).");
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{workload.Name} convolutions on {backend.Name} (median of {repetitions}; GFLOP/s){Choosing(cpu)}");
        output.WriteLine(BenchMachine.Line);
        // Repeated calls convolve with the same weights, so Winograd's kept filter transform is reused as in an attack's iterations.
        if (cpu is { WinogradFilterCacheBytes: > 0 }) output.WriteLine("Winograd rows reuse the transformed filter from call to call, as an attack's iterations do (a training step's changed weights transform it again).");
        output.WriteLine($"{"layer",-12} {"N×C×H×W → K, R×S/stride",-30} {"forward",9} {"data",9} {"filter",9}  algorithms (forward / data / filter)");
        var passes = Enum.GetValues<ConvPass>();
        foreach (var (name, g) in workload.Convolutions().Where(c => layers.Length == 0 || layers.Contains(c.Name)))
        {
            var x = Random(backend, g.InputSize, 1);
            var w = Random(backend, g.FilterSize, 2);
            var dy = Random(backend, g.OutputSize, 3);
            var y = backend.Allocate(g.OutputSize);
            var dx = backend.Allocate(g.InputSize);
            var dw = backend.Allocate(g.FilterSize);
            double flops = 2.0 * g.N * g.K * g.C * g.R * g.S * g.OutH * g.OutW;
            Action Call(ConvPass pass) => pass switch
            {
                ConvPass.Forward => () => backend.Conv2dForward(g, x, w, null, y),
                ConvPass.DataGradient => () => backend.Conv2dBackwardData(g, dy, w, dx),
                _ => () => backend.Conv2dBackwardFilter(g, x, dy, dw),
            };
            double Rate(Action call) => flops / MedianTimer.Seconds(repetitions, () => { call(); backend.Synchronize(); }) / 1e9;

            var rates = passes.Select(p => Rate(Call(p))).ToArray();
            string chosen = cpu is null ? "" : string.Join(" / ", passes.Select(p => cpu.ConvolutionChoice(g, p)?.Name() ?? "?"));
            string shape = $"{g.N}×{g.C}×{g.H}×{g.W} → {g.K}, {g.R}×{g.S}/{g.StrideH}";
            output.WriteLine(string.Create(inv, $"{name,-12} {shape,-30} {rates[0],9:0.0} {rates[1],9:0.0} {rates[2],9:0.0}  {chosen}"));
            if (candidates)
            {
                foreach (var pass in passes)
                {
                    var algorithms = cpu!.ConvolutionCandidates(g, pass);
                    var seconds = InterleavedRounds(cpu, algorithms, Call(pass), repetitions);
                    output.WriteLine($"{"",-12}   {PassName(pass),-8} {CandidateLine(algorithms, seconds, cpu.ConvolutionChoice(g, pass), flops)}");
                }
            }
            foreach (var b in new[] { x, w, dy, y, dx, dw }) b.Release();
        }
        return 0;
    }

    /// <summary>
    /// Seconds of each algorithm's call ([algorithm][round]) in <paramref name="repetitions"/> alternating
    /// rounds after two untimed ones (<see cref="AlternatingRounds"/>).
    /// </summary>
    private static double[][] InterleavedRounds(CpuBackend cpu, ConvAlgorithm[] algorithms, Action call, int repetitions)
    {
        try
        {
            return AlternatingRounds.Time(algorithms.Length, 2, repetitions, (i, _) =>
            {
                cpu.ConvolutionOverride = algorithms[i];
                call();
                cpu.Synchronize();
            });
        }
        finally
        {
            cpu.ConvolutionOverride = null;
        }
    }

    /// <summary>
    /// One pass's candidates with their GFLOP/s (from the median of their rounds), then the chosen algorithm's
    /// time relative to the best candidate's within rounds ("chosen/best 1.00", <see cref="ConvCandidateTiming.RelativeToBest"/>), marked where it gives away more than
    /// <see cref="ChosenOverBestLimit"/>: the autotuning target read off a run.
    /// </summary>
    internal static string CandidateLine(ConvAlgorithm[] algorithms, double[][] seconds, ConvAlgorithm? chosen, double flops)
    {
        var inv = CultureInfo.InvariantCulture;
        string line = string.Join(", ", algorithms.Select((a, i) => string.Create(inv, $"{a.Name()} {flops / MedianTimer.Median(seconds[i]) / 1e9:0.0}")));
        int index = chosen is { } c ? Array.IndexOf(algorithms, c) : -1;
        if (index < 0) return line;
        double ratio = ConvCandidateTiming.RelativeToBest(seconds, index);
        string flag = ratio > ChosenOverBestLimit ? string.Create(inv, $" (over {ChosenOverBestLimit:0.00})") : "";
        return line + string.Create(inv, $"; chosen/best {ratio:0.00}{flag}");
    }

    /// <summary>The most a chosen algorithm may give away against the best candidate timed beside it.</summary>
    internal const double ChosenOverBestLimit = 1.03;

    private static string Choosing(CpuBackend? cpu) => cpu is null ? "" : cpu.Autotune ? "; algorithms autotuned" : "; algorithms fixed (--no-autotune)";

    private static string PassName(ConvPass pass) => pass switch
    {
        ConvPass.Forward => "forward",
        ConvPass.DataGradient => "data",
        _ => "filter",
    };

    private static DeviceBuffer Random(Backend backend, int length, int seed)
    {
        var buffer = backend.Allocate(length);
        backend.Upload(SeededUniform.Values(length, seed), buffer);
        return buffer;
    }
}
