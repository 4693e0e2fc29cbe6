using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Trainers;
using AutoLoRa.Training.Workloads;
using BenchmarkDotNet.Attributes;

namespace AutoLoRa.Bench;

/// <summary>
/// One whole step of each WORKLOADS.md workload on the CPU backend — the figure `autolora bench
/// step` prints, under BenchmarkDotNet's statistics and allocation diagnoser.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    private readonly CpuBackend _cpu = new();
    private Classifier _model = null!;
    private Trainer? _trainer;
    private Tensor _x = null!, _y = null!;
    private int _step;

    [Params("r18w16-b64", "r18-b32")]
    public string Workload { get; set; } = "r18w16-b64";

    [Params("autolora", "vanilla", "infer")]
    public string Step { get; set; } = "autolora";

    [GlobalSetup]
    public void Setup()
    {
        var workload = BenchmarkWorkload.Parse(Workload);
        _model = ModelFactory.Create(_cpu, workload.Spec(Step), seed: 1);
        _trainer = BenchmarkWorkload.CreateTrainer(_model, Step);
        (_x, _y) = workload.RandomBatch(_cpu, Step);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        _model.Dispose();
        _x.Dispose();
        _y.Dispose();
        _cpu.Dispose();
    }

    [Benchmark]
    public float OneStep()
    {
        using var scope = TensorScope.Begin();
        if (_trainer is not null) return _trainer.Step(_x, _y, new Random(_step++)).Item();
        _model.Eval();
        using (GradMode.NoGrad()) return _model.Forward(_x).ToArray()[0];
    }
}
