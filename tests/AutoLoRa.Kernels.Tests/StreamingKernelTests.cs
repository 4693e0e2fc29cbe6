using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;

namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// The float4 streaming kernels (autolora_stream in kernels/autolora_cuda.cuh), emulated, against
/// CpuBackend. Every n-long array is placed at each phase from a 16-byte boundary — all at the
/// same phase (scalar head, aligned quads, scalar tail) and at mixed phases (the all-scalar
/// fallback) — for lengths with tails of 1, 3 and 1 element past the quads, on launches with one
/// thread, with several small blocks that wrap the grid-stride loop, and with the backend's shape.
/// </summary>
public sealed unsafe class StreamingKernelTests
{
    /// <summary>(outer, channels, inner) triples; their products 1, 3, 5, 4095 = 4·1023 + 3 and 12285 = 4·3071 + 1 are the lengths.</summary>
    private static readonly (int Outer, int Channels, int Inner)[] Shapes = [(1, 1, 1), (1, 3, 1), (1, 1, 5), (5, 9, 91), (3, 65, 63)];

    private const float Alpha = 2f / 255, Eps = 8f / 255;

    /// <summary>One kernel: its pointer arguments (n-long ones are moved through the phases), the values after them, and the CPU twin.</summary>
    private sealed record Case(
        string Kernel,
        Func<(int Outer, int Channels, int Inner), Random, (float[] Data, bool Streamed)[]> Arrays,
        Func<(int Outer, int Channels, int Inner), object[]> Values,
        Action<Backend, (int Outer, int Channels, int Inner), DeviceBuffer[]> Reference,
        float Tolerance = 0);

    private static int Count((int Outer, int Channels, int Inner) s) => s.Outer * s.Channels * s.Inner;

    private static (float[], bool)[] Streams((int, int, int) shape, Random rng, params (float Low, float High)[] ranges) =>
        ranges.Select(r => (Values(Count(shape), rng, r.Low, r.High), true)).ToArray();

    private static readonly Case[] Cases =
    [
        new("axpby_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2), (-2, 2)), s => [Count(s), 0.5f, -1.5f],
            (be, s, b) => be.Axpby(Count(s), 0.5f, b[0], -1.5f, b[1], b[2]), 1e-6f),
        new("scale_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2)), s => [Count(s), 3f], (be, s, b) => be.Scale(Count(s), 3f, b[0], b[1])),
        new("mul_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2), (-2, 2)), s => [Count(s)], (be, s, b) => be.Multiply(Count(s), b[0], b[1], b[2])),
        new("min_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2), (-2, 2)), s => [Count(s)], (be, s, b) => be.Minimum(Count(s), b[0], b[1], b[2])),
        new("max_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2), (-2, 2)), s => [Count(s)], (be, s, b) => be.Maximum(Count(s), b[0], b[1], b[2])),
        new("relu_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2)), s => [Count(s)], (be, s, b) => be.Relu(Count(s), b[0], b[1])),
        new("sign_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2)), s => [Count(s)], (be, s, b) => be.Sign(Count(s), b[0], b[1])),
        new("relu_backward_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2), (-2, 2)), s => [Count(s)],
            (be, s, b) => be.ReluBackward(Count(s), b[0], b[1], b[2])),
        new("clamp_f32", (s, r) => Streams(s, r, (-2, 2), (-2, 2)), s => [Count(s), -0.5f, 0.75f],
            (be, s, b) => be.Clamp(Count(s), b[0], -0.5f, 0.75f, b[1])),
        new("pgd_step_f32", (s, r) => Streams(s, r, (0, 1), (-1, 1), (0, 1), (-1, 1)), s => [Count(s), Alpha, Eps],
            (be, s, b) => be.PgdStep(Count(s), b[0], b[1], b[2], Alpha, Eps, b[3])),
        new("sgd_momentum_f32", (s, r) => Streams(s, r, (-1, 1), (-1, 1), (-1, 1)), s => [Count(s), 0.1f, 0.9f, 5e-4f],
            (be, s, b) => be.SgdMomentumUpdate(Count(s), b[0], b[1], b[2], 0.1f, 0.9f, 5e-4f), 1e-6f),
        new("add_bias_f32", (s, r) => [(Values(Count(s), r, -1, 1), true), (Values(s.Channels, r, -1, 1), false)],
            s => [Count(s), s.Channels, s.Inner], (be, s, b) => be.AddBias(s.Outer, s.Channels, s.Inner, b[0], b[1]), 1e-6f),
        new("global_avg_pool_backward_f32", (s, r) => [(Values(s.Outer * s.Channels, r, -1, 1), false), (Values(Count(s), r, -1, 1), true)],
            s => [Count(s), s.Inner], (be, s, b) => be.GlobalAvgPoolBackward(s.Outer, s.Channels, s.Inner, b[0], b[1]), 1e-6f),
    ];

    public static TheoryData<string> Kernels => new(Cases.Select(c => c.Kernel));

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Matches_cpu_at_every_phase_length_and_launch_shape(string kernel)
    {
        var library = KernelAvailability.RequireHostLibrary();
        var c = Cases.Single(k => k.Kernel == kernel);
        foreach (var shape in Shapes)
        {
            int n = Count(shape);
            var arrays = c.Arrays(shape, new Random(n));
            float[][] expected = RunCpu(c, shape, arrays.Select(a => a.Data).ToArray());
            int streamed = arrays.Count(a => a.Streamed);
            foreach (bool mixed in streamed > 1 ? new[] { false, true } : new[] { false })
            {
                for (int phase = 0; phase < 4; phase++)
                {
                    uint full = (uint)Math.Max(1, ((n + 3) / 4 + 255) / 256);
                    foreach (var (grid, block) in new (uint, uint)[] { (1, 1), (3, 32), (full, 256) })
                    {
                        string what = $"{kernel} n={n} phase {phase}{(mixed ? " (mixed)" : "")} grid {grid} block {block}";
                        Check(what, c, expected, RunEmulated(library, c, shape, arrays, phase, mixed, grid, block));
                    }
                }
            }
        }
    }

    private static void Check(string what, Case c, float[][] expected, (float[][] Results, bool GuardsIntact) actual)
    {
        Assert.True(actual.GuardsIntact, $"{what}: wrote outside its arrays");
        for (int a = 0; a < expected.Length; a++)
        {
            for (int i = 0; i < expected[a].Length; i++)
            {
                float e = expected[a][i], x = actual.Results[a][i];
                Assert.True(e.Equals(x) || MathF.Abs(e - x) <= c.Tolerance * (1 + MathF.Abs(e)),
                    $"{what}: argument {a} element {i}: cpu {e:R}, emulated {x:R}");
            }
        }
    }

    private static float[][] RunCpu(Case c, (int, int, int) shape, float[][] arrays)
    {
        using var cpu = new CpuBackend();
        var buffers = arrays.Select(a =>
        {
            var b = cpu.Allocate(a.Length);
            cpu.Upload(a, b);
            return b;
        }).ToArray();
        c.Reference(cpu, shape, buffers);
        var results = arrays.Select((a, i) =>
        {
            var host = new float[a.Length];
            cpu.Download(buffers[i], host);
            return host;
        }).ToArray();
        foreach (var b in buffers) b.Release();
        return results;
    }

    /// <summary>
    /// Launches the kernel on copies of <paramref name="arrays"/>: streamed arrays at
    /// <paramref name="phase"/> (or, when <paramref name="mixed"/>, the k-th at phase + k mod 4),
    /// the others at phase 0.
    /// </summary>
    private static (float[][], bool) RunEmulated(HostKernelLibrary library, Case c, (int, int, int) shape,
        (float[] Data, bool Streamed)[] arrays, int phase, bool mixed, uint grid, uint block)
    {
        int k = 0;
        var placed = arrays.Select(a => new AlignedFloats(a.Data, a.Streamed ? (phase + (mixed ? k++ : 0)) % 4 : 0)).ToArray();
        try
        {
            object[] values = c.Values(shape);
            // One 8-byte slot per parameter: pointers first, then the ints and floats, as the kernels declare them.
            ulong* slots = stackalloc ulong[placed.Length + values.Length];
            void** args = stackalloc void*[placed.Length + values.Length];
            for (int i = 0; i < placed.Length; i++)
            {
                slots[i] = (ulong)placed[i].Pointer;
                args[i] = &slots[i];
            }
            for (int i = 0; i < values.Length; i++)
            {
                void* slot = &slots[placed.Length + i];
                switch (values[i])
                {
                    case int v: *(int*)slot = v; break;
                    case float v: *(float*)slot = v; break;
                    default: throw new ArgumentException($"{c.Kernel}: value {i} is a {values[i].GetType().Name}, not an int or a float.");
                }
                args[placed.Length + i] = slot;
            }
            library.Launch(c.Kernel, (grid, 1, 1), (block, 1, 1), 0, args);
            return (placed.Select(p => p.ToArray()).ToArray(), placed.All(p => p.GuardsIntact()));
        }
        finally
        {
            foreach (var p in placed) p.Dispose();
        }
    }

    /// <summary>Uniform values with a zero first (sign(0), ReLU at 0) and, past the first quad, a NaN (propagation rules).</summary>
    private static float[] Values(int n, Random rng, float low, float high)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = low + (high - low) * rng.NextSingle();
        v[0] = 0;
        if (n > 6) v[6] = float.NaN;
        return v;
    }
}
