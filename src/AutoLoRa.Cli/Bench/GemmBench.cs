using System.Globalization;
using System.Runtime.InteropServices;
using AutoLoRa.Cpu;
using AutoLoRa.Cpu.Gemm;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench gemm</c>: times C = A·B (row-major, no transposes, alpha 1, beta 0) with our
/// CPU Sgemm and optionally with OpenBLAS on the same inputs, and checks the two agree.
/// Reports the median of the timed repetitions after a warm-up; GFLOP/s = 2·m·n·k / seconds.
/// </summary>
internal static unsafe class GemmBench
{
    /// <returns>0 on success; 1 when our result disagrees with OpenBLAS; 2 when OpenBLAS was asked for but is missing.</returns>
    public static int Run(int m, int n, int k, int repetitions, bool json, bool compareOpenBlas, TextWriter output)
    {
        if (m <= 0 || n <= 0 || k <= 0) throw new ArgumentException($"bench gemm: --m, --n and --k must be positive (got {m}, {n}, {k}).");
        if (repetitions <= 0) throw new ArgumentException($"bench gemm: --reps must be positive (got {repetitions}).");

        string? blasMissing = null;
        if (compareOpenBlas && !OpenBlasInterop.TryProbe(out var reason)) blasMissing = reason;
        bool withBlas = compareOpenBlas && blasMissing is null;

        float* a = Alloc((long)m * k), b = Alloc((long)k * n), c = Alloc((long)m * n), cBlas = withBlas ? Alloc((long)m * n) : null;
        try
        {
            Fill(a, (long)m * k, seed: 1);
            Fill(b, (long)k * n, seed: 2);
            double flops = 2.0 * m * n * k;

            double ours = MedianTimer.Seconds(repetitions, () => Sgemm.Run(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n));
            double? blas = null;
            double maxError = 0;
            if (withBlas)
            {
                blas = MedianTimer.Seconds(repetitions, () => OpenBlasInterop.cblas_sgemm(OpenBlasInterop.CblasRowMajor,
                    OpenBlasInterop.CblasNoTrans, OpenBlasInterop.CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, cBlas, n));
                maxError = RelativeError(c, cBlas, (long)m * n);
            }

            // Sums of k products of values in [-1, 1): float rounding differences grow like sqrt(k)·eps.
            bool agree = maxError <= 1e-5 * Math.Sqrt(k) + 1e-6;
            Report(output, json, m, n, k, ours, flops, blas, maxError, blasMissing);
            if (!agree)
            {
                output.WriteLine(json ? "" : $"MISMATCH: our result differs from OpenBLAS by {maxError:E2} (relative to max |C|).");
                return 1;
            }
            return blasMissing is null ? 0 : 2;
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
            NativeMemory.AlignedFree(cBlas);
        }
    }

    private static void Report(TextWriter output, bool json, int m, int n, int k, double seconds, double flops,
        double? blasSeconds, double maxError, string? blasMissing)
    {
        var ci = CultureInfo.InvariantCulture;
        double gflops = flops / seconds / 1e9;
        int threads = CpuBackend.Threads;
        if (json)
        {
            if (blasMissing is not null) Console.Error.WriteLine(blasMissing);
            string line = string.Create(ci, $"{{\"m\":{m},\"n\":{n},\"k\":{k},\"seconds\":{seconds:G6},\"gflops\":{gflops:F2}");
            if (blasSeconds is double bs)
            {
                double blasGflops = flops / bs / 1e9;
                line += string.Create(ci, $",\"openblas_gflops\":{blasGflops:F2},\"ratio\":{gflops / blasGflops:F3}");
            }
            output.WriteLine(line + string.Create(ci, $",\"threads\":{threads}") + BenchMachine.JsonFields + "}");
            return;
        }

        output.WriteLine(string.Create(ci, $"sgemm {m}x{n}x{k} (row-major, NN), {threads} threads, kernel {Sgemm.BestKernel}"));
        output.WriteLine(BenchMachine.Line);
        output.WriteLine("  implementation     ms (median)   GFLOP/s");
        output.WriteLine(string.Create(ci, $"  AutoLoRa        {seconds * 1e3,12:F3}  {gflops,8:F1}"));
        if (blasSeconds is double s)
        {
            double blasGflops = flops / s / 1e9;
            output.WriteLine(string.Create(ci, $"  OpenBLAS        {s * 1e3,12:F3}  {blasGflops,8:F1}"));
            output.WriteLine(string.Create(ci, $"  ratio {gflops / blasGflops:F3}, max relative difference {maxError:E2}"));
        }
        if (blasMissing is not null) output.WriteLine("  " + blasMissing);
    }

    private static double RelativeError(float* x, float* y, long count)
    {
        double scale = 0, diff = 0;
        for (long i = 0; i < count; i++)
        {
            scale = Math.Max(scale, Math.Abs(y[i]));
            diff = Math.Max(diff, Math.Abs((double)x[i] - y[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static float* Alloc(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);

    private static void Fill(float* p, long count, int seed)
    {
        var rng = new Random(seed);
        for (long i = 0; i < count; i++) p[i] = (float)(rng.NextDouble() * 2 - 1);
    }
}
