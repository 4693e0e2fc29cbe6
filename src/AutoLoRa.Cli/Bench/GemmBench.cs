using System.Diagnostics;
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
/// <remarks>
/// With OpenBLAS the two alternate, one call of each per round in an order that reverses every other
/// round, and the ratio is the median of the rounds' ratios (as <c>bench overhead</c> does). Timed one
/// after the other, the ratio measured the machine's drift between the two halves as much as the two
/// libraries: on a shared Zen 3 VM whose speed moves by 2× over seconds, one such run read 0.78.
/// </remarks>
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

            Action oursCall = () => Sgemm.Run(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            if (!withBlas)
            {
                Report(output, json, m, n, k, MedianTimer.Seconds(repetitions, oursCall), flops, null, 0, blasMissing);
                return blasMissing is null ? 0 : 2;
            }
            Action blasCall = () => OpenBlasInterop.cblas_sgemm(OpenBlasInterop.CblasRowMajor,
                OpenBlasInterop.CblasNoTrans, OpenBlasInterop.CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, cBlas, n);
            var (ours, blas) = Alternating(repetitions, oursCall, blasCall);
            double maxError = RelativeError(c, cBlas, (long)m * n);

            // Sums of k products of values in [-1, 1): float rounding differences grow like sqrt(k)·eps.
            bool agree = maxError <= 1e-5 * Math.Sqrt(k) + 1e-6;
            Report(output, json, m, n, k, MedianTimer.Median(ours), flops, new Comparison(ours, blas), maxError, blasMissing);
            if (!agree)
            {
                output.WriteLine(json ? "" : $"MISMATCH: our result differs from OpenBLAS by {maxError:E2} (relative to max |C|).");
                return 1;
            }
            return 0;
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
            NativeMemory.AlignedFree(cBlas);
        }
    }

    /// <summary>
    /// How long each timed call of an alternating comparison waits first. OpenBLAS's threads poll for
    /// the next call for 2^28 cycles (its THREAD_TIMEOUT, about 0.1 s) before they sleep, so right after
    /// an OpenBLAS call one of them still occupies a core, and our helper thread shares it: on the
    /// 2-vCPU Zen 3 VM ours then read 0.64–0.82 of OpenBLAS, 0.94–1.00 with OpenBLAS's polling cut to
    /// 2^4 cycles (OPENBLAS_THREAD_TIMEOUT=4, which slows OpenBLAS's own calls). After the pause every
    /// call starts with the other library's threads asleep, and each library keeps its own polling
    /// inside the call; waking threads costs tens of microseconds of a call of milliseconds. Measured
    /// so, ours read 0.92–0.93 of OpenBLAS at 1024³ on that machine (0.94–0.96 on one thread each).
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Seconds of each call's timed repetitions, round by round: one call of each per round after a
    /// warm-up of both, the order reversed every other round, each call after a <see cref="Settle"/> pause.
    /// </summary>
    private static (double[] First, double[] Second) Alternating(int repetitions, Action first, Action second)
    {
        MedianTimer.WarmUp(first);
        MedianTimer.WarmUp(second);
        Action[] calls = [first, second];
        var seconds = AlternatingRounds.Time(calls.Length, 0, repetitions, (call, _) => calls[call](), () => SpinFor(Settle));
        return (seconds[0], seconds[1]);
    }

    /// <summary>
    /// Waits by polling, not sleeping: after a sleeping pause the idle cores ran both libraries' next
    /// calls 20–30 % slower (Zen 3 VM, 1024³: about 110 GFLOP/s each against 140–170 after polling).
    /// </summary>
    private static void SpinFor(TimeSpan time)
    {
        long until = Stopwatch.GetTimestamp() + (long)(time.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(64);
    }

    /// <summary>Our calls and OpenBLAS's, round by round.</summary>
    private sealed record Comparison(double[] Ours, double[] OpenBlas)
    {
        public double OpenBlasSeconds => MedianTimer.Median(OpenBlas);

        /// <summary>Our GFLOP/s ÷ OpenBLAS's in each round: OpenBLAS's time ÷ ours.</summary>
        public double[] Ratios => OpenBlas.Zip(Ours, (theirs, ours) => theirs / ours).ToArray();
    }

    private static void Report(TextWriter output, bool json, int m, int n, int k, double seconds, double flops,
        Comparison? blas, double maxError, string? blasMissing)
    {
        var ci = CultureInfo.InvariantCulture;
        double gflops = flops / seconds / 1e9;
        int threads = CpuBackend.Threads;
        if (json)
        {
            if (blasMissing is not null) Console.Error.WriteLine(blasMissing);
            string line = string.Create(ci, $"{{\"m\":{m},\"n\":{n},\"k\":{k},\"seconds\":{seconds:G6},\"gflops\":{gflops:F2}");
            if (blas is not null)
            {
                double blasGflops = flops / blas.OpenBlasSeconds / 1e9;
                line += string.Create(ci, $",\"openblas_gflops\":{blasGflops:F2},\"ratio\":{MedianTimer.Median(blas.Ratios):F3}");
            }
            output.WriteLine(line + string.Create(ci, $",\"threads\":{threads}") + BenchMachine.JsonFields + "}");
            return;
        }

        output.WriteLine(string.Create(ci, $"sgemm {m}x{n}x{k} (row-major, NN), {threads} threads, kernel {Sgemm.BestKernel}"));
        output.WriteLine(BenchMachine.Line);
        output.WriteLine("  implementation     ms (median)   GFLOP/s");
        output.WriteLine(string.Create(ci, $"  AutoLoRa        {seconds * 1e3,12:F3}  {gflops,8:F1}"));
        if (blas is not null)
        {
            double blasGflops = flops / blas.OpenBlasSeconds / 1e9;
            double[] ratios = blas.Ratios;
            output.WriteLine(string.Create(ci, $"  OpenBLAS        {blas.OpenBlasSeconds * 1e3,12:F3}  {blasGflops,8:F1}"));
            output.WriteLine(string.Create(ci, $"  ratio {MedianTimer.Median(ratios):F3} (ours ÷ OpenBLAS in GFLOP/s, median of the alternating rounds' ratios; rounds {ratios.Min():F3}–{ratios.Max():F3}), max relative difference {maxError:E2}"));
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
