using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Workloads;
using BenchmarkDotNet.Attributes;

namespace AutoLoRa.Bench;

/// <summary>
/// Every distinct convolution of the r18w16-b64 workload's ResNet-18 (WORKLOADS.md), forward and
/// both gradients, on the CPU backend (the same shapes as <c>autolora bench conv</c>). GFLOP/s = 2·N·K·C·R·S·OutH·OutW / mean time.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private readonly CpuBackend _cpu = new();
    private DeviceBuffer _x = null!, _w = null!, _dy = null!, _y = null!, _dx = null!, _dw = null!;
    private ConvGeometry _g;

    private static readonly BenchmarkWorkload Workload = BenchmarkWorkload.Parse("r18w16-b64");

    /// <summary>The layer names of <see cref="BenchmarkWorkload.Convolutions"/>.</summary>
    public static IEnumerable<string> Layers => Workload.Convolutions().Select(c => c.Name);

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "layer1";

    [GlobalSetup]
    public void Setup()
    {
        _g = Workload.Convolutions().Single(c => c.Name == Layer).Geometry;
        _x = BenchBuffers.Random(_cpu, _g.InputSize, 1);
        _w = BenchBuffers.Random(_cpu, _g.FilterSize, 2);
        _dy = BenchBuffers.Random(_cpu, _g.OutputSize, 3);
        _y = _cpu.Allocate(_g.OutputSize);
        _dx = _cpu.Allocate(_g.InputSize);
        _dw = _cpu.Allocate(_g.FilterSize);
    }

    [GlobalCleanup]
    public void Cleanup() => _cpu.Dispose();

    [Benchmark]
    public void Forward() => _cpu.Conv2dForward(_g, _x, _w, null, _y);

    [Benchmark]
    public void BackwardData() => _cpu.Conv2dBackwardData(_g, _dy, _w, _dx);

    [Benchmark]
    public void BackwardFilter() => _cpu.Conv2dBackwardFilter(_g, _x, _dy, _dw);
}
