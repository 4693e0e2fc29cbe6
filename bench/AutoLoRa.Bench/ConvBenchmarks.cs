using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Cpu;
using BenchmarkDotNet.Attributes;

namespace AutoLoRa.Bench;

/// <summary>
/// Every distinct convolution of the r18w16-b64 workload's ResNet-18 (WORKLOADS.md), forward and
/// both gradients, on the CPU backend. GFLOP/s = 2·N·K·C·R·S·OutH·OutW / mean time.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private readonly CpuBackend _cpu = new();
    private DeviceBuffer _x = null!, _w = null!, _dy = null!, _y = null!, _dx = null!, _dw = null!;
    private ConvGeometry _g;

    /// <summary>"C→K@H/stride kernel": the layers of the batch-64, width-16 CIFAR ResNet-18.</summary>
    [Params("3→16@32/1 k3", "16→16@32/1 k3", "16→32@32/2 k3", "16→32@32/2 k1", "32→32@16/1 k3",
        "32→64@16/2 k3", "64→64@8/1 k3", "64→128@8/2 k3", "128→128@4/1 k3")]
    public string Layer { get; set; } = "16→16@32/1 k3";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Layer.Split(' ', '→', '@', '/');
        int c = int.Parse(parts[0]), k = int.Parse(parts[1]), size = int.Parse(parts[2]), stride = int.Parse(parts[3]);
        int kernel = int.Parse(parts[4][1..]);
        _g = new ConvGeometry(64, c, size, size, k, kernel, kernel, stride, stride, kernel / 2, kernel / 2);
        _x = Filled(_g.InputSize);
        _w = Filled(_g.FilterSize);
        _dy = Filled(_g.OutputSize);
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

    private DeviceBuffer Filled(int length)
    {
        var rng = new Random(length);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        var buffer = _cpu.Allocate(length);
        _cpu.Upload(data, buffer);
        return buffer;
    }
}
