using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using BenchmarkDotNet.Attributes;

namespace AutoLoRa.Bench;

/// <summary>
/// The fused primitives of the hot path at the sizes one r18w16-b64 step uses them: the losses on
/// 64×10 logits, the PGD step on the input batch, the LoRA merge of a 128→128 3×3 layer (rank 8)
/// and its backward, SGD with momentum over that layer's weight.
/// </summary>
[MemoryDiagnoser]
public class FusedBenchmarks
{
    private const int Rows = 64, Classes = 10, Pixels = 64 * 3 * 32 * 32;
    private const int OutRows = 128 * 3, Rank = 8 * 3, InCols = 128 * 3;

    private readonly CpuBackend _cpu = new();
    private DeviceBuffer _logits = null!, _logits2 = null!, _labels = null!, _loss = null!, _p = null!, _q = null!, _dlogits = null!;
    private DeviceBuffer _x = null!, _grad = null!, _x0 = null!, _xOut = null!;
    private DeviceBuffer _w = null!, _b = null!, _a = null!, _merged = null!, _db = null!, _da = null!, _velocity = null!;

    [GlobalSetup]
    public void Setup()
    {
        _logits = BenchBuffers.Random(_cpu, Rows * Classes, 1);
        _logits2 = BenchBuffers.Random(_cpu, Rows * Classes, 2);
        _labels = _cpu.Allocate(Rows, DType.Int32);
        _cpu.Upload(Enumerable.Range(0, Rows).Select(i => i % Classes).ToArray(), _labels);
        _loss = _cpu.Allocate(1);
        _cpu.Fill(_loss, 1f);
        _p = _cpu.Allocate(Rows * Classes);
        _q = _cpu.Allocate(Rows * Classes);
        _dlogits = _cpu.Allocate(Rows * Classes);
        _x = BenchBuffers.Random(_cpu, Pixels, 3);
        _grad = BenchBuffers.Random(_cpu, Pixels, 4);
        _x0 = BenchBuffers.Random(_cpu, Pixels, 5);
        _xOut = _cpu.Allocate(Pixels);
        _w = BenchBuffers.Random(_cpu, OutRows * InCols, 6);
        _b = BenchBuffers.Random(_cpu, OutRows * Rank, 7);
        _a = BenchBuffers.Random(_cpu, Rank * InCols, 8);
        _merged = _cpu.Allocate(OutRows * InCols);
        _db = _cpu.Allocate(OutRows * Rank);
        _da = _cpu.Allocate(Rank * InCols);
        _velocity = BenchBuffers.Random(_cpu, OutRows * InCols, 9);
    }

    [GlobalCleanup]
    public void Cleanup() => _cpu.Dispose();

    [Benchmark]
    public void SoftmaxCrossEntropy()
    {
        _cpu.SoftmaxCrossEntropyForward(Rows, Classes, _logits, _labels, _loss, _p);
        _cpu.SoftmaxCrossEntropyBackward(Rows, Classes, _p, _labels, _loss, _dlogits);
    }

    [Benchmark]
    public void KlDivergence()
    {
        _cpu.KlDivergenceForward(Rows, Classes, _logits, _logits2, _loss, _p, _q);
        _cpu.KlDivergenceBackward(Rows, Classes, _p, _q, _loss, null, _dlogits);
    }

    [Benchmark]
    public void PgdStep() => _cpu.PgdStep(Pixels, _x, _grad, _x0, 2f / 255f, 8f / 255f, _xOut);

    [Benchmark]
    public void LoraMerge() => LoraGemm.Merge(_cpu, OutRows, Rank, InCols, _w, _b, _a, 1f / 8, _merged);

    [Benchmark]
    public void LoraMergeBackward() => LoraGemm.Backward(_cpu, OutRows, Rank, InCols, _merged, _b, _a, 1f / 8, _db, _da);

    [Benchmark]
    public void SgdMomentum() => _cpu.SgdMomentumUpdate(OutRows * InCols, _w, _merged, _velocity, 0.01f, 0.9f, 2e-4f);
}
