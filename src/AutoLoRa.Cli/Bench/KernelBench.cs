using System.Globalization;
using System.Text.Json;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench kernels</c>: achieved bandwidth of each of our own CUDA kernels (kernels/*.cu;
/// cuBLAS and cuDNN are not ours and not here), on the verification table's kernel cases
/// (<see cref="VerificationTable.KernelBench"/>). Each case is first checked against the CPU
/// backend, then run through the backend primitives that launch it, each call followed by a
/// device synchronisation, and the median call time is divided into the bytes the kernels must
/// move (<see cref="KernelTraffic"/> × the elements they read and write), the llm.c way: the
/// distance to the card's memory bandwidth is what is left to gain. Exits 1 when a case fails
/// its check.
/// </summary>
internal static class KernelBench
{
    /// <summary>16 Mi elements: 64 MB per array, far past any GPU cache, so DRAM bandwidth is what is measured.</summary>
    public const int DefaultSize = 1 << 24;

    /// <summary>A kernel's launch path is a few C# calls; it needs far less JIT warm-up than a CPU kernel.</summary>
    private const double WarmupSeconds = 0.1;

    public static int Run(Backend backend, int size, int repetitions, bool json, TextWriter output, TextWriter log)
    {
        if (backend is not CudaBackend cuda)
        {
            throw new ArgumentException($"bench kernels times our CUDA kernels, which the {backend.Name} backend does not run; " +
                                        "use --backend cuda on a GPU machine, or cuda-emu to run them emulated.");
        }
        if (size < 1) throw new ArgumentException($"--size must be at least 1 (got {size}).");
        if (repetitions < 1) throw new ArgumentException($"--reps must be at least 1 (got {repetitions}).");
        if (cuda.Runtime is EmulatedRuntime)
        {
            log.WriteLine("warning: cuda-emu runs the kernels on this machine's CPU; these timings measure the host, not a GPU.");
        }

        var inv = CultureInfo.InvariantCulture;
        if (!json)
        {
            output.WriteLine($"our CUDA kernels on {backend.Name}, about {size} elements (checked against the CPU backend, then the median of {repetitions} calls, each synchronised)");
            output.WriteLine($"{"kernel",-38} {"shape",-28} {"µs/call",10} {"MB/call",9} {"GB/s",8} {"err/tol",8}");
        }
        using var reference = new CpuBackend();
        var runner = new CaseRunner(backend, reference, BytesOf);
        int failures = 0;
        foreach (var c in VerificationTable.KernelBench(size))
        {
            string kernel = string.Join(" + ", c.Cost.Launches.Select(l => l.Kernel).Distinct());
            // llm.c's order: a kernel that computes the wrong thing has no speed worth printing.
            var outcome = runner.Check(c);
            if (!outcome.Passed)
            {
                failures++;
                log.WriteLine($"error: {c.Name} differs from the CPU backend: {outcome.Detail}");
                continue;
            }
            var timing = runner.Time(c, repetitions, WarmupSeconds);
            if (json)
            {
                var line = new KernelBenchLine(kernel, c.Shape, backend.Name, timing.Seconds, timing.Bytes, Math.Round(timing.GigabytesPerSecond, 3), outcome.WorstRatio);
                output.WriteLine(JsonSerializer.Serialize(line, CliJsonContext.Default.KernelBenchLine));
            }
            else
            {
                output.WriteLine(string.Create(inv, $"{kernel,-38} {c.Shape,-28} {timing.Seconds * 1e6,10:0.0} {timing.Bytes / 1e6,9:0.00} {timing.GigabytesPerSecond,8:0.00} {outcome.WorstRatio,8:0.00}"));
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// The one place the bench reads the kernel facts: the bytes a launch moves are the kernel's
    /// bytes per element read and written times the elements the case says it reads and writes.
    /// </summary>
    private static long BytesOf(KernelLaunch launch) => KernelTraffic.Of(launch.Kernel).Bytes(launch.Read, launch.Written);
}

/// <summary>One timed case as a JSON line (<c>--json</c>); <c>ToleranceUsed</c> is the worst element's error in units of its tolerance (≤ 1).</summary>
internal sealed record KernelBenchLine(string Kernel, string Shape, string Backend, double Seconds, long Bytes, double GbPerS, double ToleranceUsed);
