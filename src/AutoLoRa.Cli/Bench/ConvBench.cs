using System.Globalization;
using AutoLoRa.Core.Backends;
using AutoLoRa.Training.Workloads;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench conv</c>: every distinct convolution of a workload's ResNet-18 (WORKLOADS.md),
/// forward, data gradient and filter gradient, timed on the chosen backend with GFLOP/s
/// (2·N·K·C·R·S·OutH·OutW per call) — the per-layer view behind a step's time.
/// </summary>
internal static class ConvBench
{
    public static int Run(Backend backend, string workloadName, int repetitions, TextWriter output)
    {
        var workload = BenchmarkWorkload.Parse(workloadName);
        if (!workload.Convolutions().Any()) throw new ArgumentException($"--workload {workload.Name} is a {workload.Architecture}, which has no ResNet convolutions to time; choose r18w16-b64 or r18-b32.");
        if (repetitions < 1) throw new ArgumentException($"--reps must be at least 1 (got {repetitions}).");
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{workload.Name} convolutions on {backend.Name} (median of {repetitions}; GFLOP/s)");
        output.WriteLine($"{"layer",-12} {"N×C×H×W → K, R×S/stride",-30} {"forward",9} {"data",9} {"filter",9}");
        foreach (var (name, g) in workload.Convolutions())
        {
            var x = Random(backend, g.InputSize, 1);
            var w = Random(backend, g.FilterSize, 2);
            var dy = Random(backend, g.OutputSize, 3);
            var y = backend.Allocate(g.OutputSize);
            var dx = backend.Allocate(g.InputSize);
            var dw = backend.Allocate(g.FilterSize);
            double flops = 2.0 * g.N * g.K * g.C * g.R * g.S * g.OutH * g.OutW;
            double Rate(Action call) => flops / MedianTimer.Seconds(repetitions, () => { call(); backend.Synchronize(); }) / 1e9;
            double forward = Rate(() => backend.Conv2dForward(g, x, w, null, y));
            double data = Rate(() => backend.Conv2dBackwardData(g, dy, w, dx));
            double filter = Rate(() => backend.Conv2dBackwardFilter(g, x, dy, dw));
            string shape = $"{g.N}×{g.C}×{g.H}×{g.W} → {g.K}, {g.R}×{g.S}/{g.StrideH}";
            output.WriteLine(string.Create(inv, $"{name,-12} {shape,-30} {forward,9:0.0} {data,9:0.0} {filter,9:0.0}"));
            foreach (var b in new[] { x, w, dy, y, dx, dw }) b.Release();
        }
        return 0;
    }

    private static DeviceBuffer Random(Backend backend, int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        var buffer = backend.Allocate(length);
        backend.Upload(data, buffer);
        return buffer;
    }
}
