using System.Runtime.InteropServices;
using AutoLoRa.Cpu.Gemm;
using BenchmarkDotNet.Attributes;

namespace AutoLoRa.Bench;

/// <summary>
/// CPU Sgemm throughput on square sizes and on the GEMMs a ResNet convolution lowers to
/// (im2col per image: m = Cout, n = Hout·Wout, k = Cin·kh·kw), serial as convolution calls them
/// and parallel as a dense layer does. Report GFLOP/s as 2·M·N·K / mean time.
/// </summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private float* _a;
    private float* _b;
    private float* _c;

    /// <summary>Shape as "MxNxK"; strings keep BenchmarkDotNet's table readable.</summary>
    [Params("256x256x256", "512x512x512", "1024x1024x1024",
        "16x1024x144",   // ResNet stem-sized channel count, 3×3 conv on 32×32
        "64x1024x576",   // 64→64 3×3 conv on 32×32 (CIFAR ResNet layer1)
        "128x256x1152",  // 128→128 3×3 conv on 16×16
        "512x16x4608",   // 512→512 3×3 conv on 4×4 (last stage)
        "576x1024x8")]   // LoRA: B·A style product with rank 8
    public string Shape { get; set; } = "256x256x256";

    [Params(true, false)]
    public bool Parallel { get; set; }

    private int M => int.Parse(Shape.Split('x')[0]);
    private int N => int.Parse(Shape.Split('x')[1]);
    private int K => int.Parse(Shape.Split('x')[2]);

    private int _m, _n, _k;

    [GlobalSetup]
    public void Setup()
    {
        (_m, _n, _k) = (M, N, K);
        _a = Alloc((long)_m * _k, 1);
        _b = Alloc((long)_k * _n, 2);
        _c = Alloc((long)_m * _n, 3);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(_c);
    }

    [Benchmark]
    public void Sgemm_NN() => Sgemm.Run(false, false, _m, _n, _k, 1f, _a, _k, _b, _n, 0f, _c, _n, Parallel);

    /// <summary>The backward-data shape of a convolution: Wᵀ · dY.</summary>
    [Benchmark]
    public void Sgemm_TN() => Sgemm.Run(true, false, _k, _n, _m, 1f, _a, _k, _c, _n, 0f, _b, _n, Parallel);

    /// <summary>The backward-filter shape of a convolution: dY · colᵀ.</summary>
    [Benchmark]
    public void Sgemm_NT() => Sgemm.Run(false, true, _m, _k, _n, 1f, _c, _n, _b, _n, 0f, _a, _k, Parallel);

    private static float* Alloc(long count, int seed)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var rng = new Random(seed);
        for (long i = 0; i < count; i++) p[i] = (float)(rng.NextDouble() * 2 - 1);
        return p;
    }
}
