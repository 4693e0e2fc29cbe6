using System.Globalization;
using System.Text.Json;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// <c>autolora bench kernels</c>: achieved bandwidth of each of our own CUDA kernels (kernels/*.cu;
/// cuBLAS and cuDNN are not ours and not here). Each kernel runs through the backend primitive
/// that launches it, followed by a device synchronisation, and the median call time is divided
/// into the bytes the kernel must move (<see cref="KernelTraffic"/> × the elements it reads and
/// writes), the llm.c way: the distance to the card's memory bandwidth is what is left to gain.
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
            output.WriteLine($"our CUDA kernels on {backend.Name}, about {size} elements (median of {repetitions} calls, each synchronised)");
            output.WriteLine($"{"kernel",-38} {"shape",-28} {"µs/call",10} {"MB/call",9} {"GB/s",8}");
        }
        using var workloads = new KernelWorkloads(backend);
        foreach (var w in workloads.For(size))
        {
            double seconds = BenchTiming.Median(repetitions, () => { w.Call(); backend.Synchronize(); }, WarmupSeconds);
            long bytes = w.Launches.Sum(l => KernelTraffic.Of(l.Kernel).Bytes(l.Read, l.Written));
            string kernel = string.Join(" + ", w.Launches.Select(l => l.Kernel));
            double gbPerSecond = bytes / seconds / 1e9;
            if (json)
            {
                var line = new KernelBenchLine(kernel, w.Shape, backend.Name, seconds, bytes, Math.Round(gbPerSecond, 3));
                output.WriteLine(JsonSerializer.Serialize(line, CliJsonContext.Default.KernelBenchLine));
            }
            else
            {
                output.WriteLine(string.Create(inv, $"{kernel,-38} {w.Shape,-28} {seconds * 1e6,10:0.0} {bytes / 1e6,9:0.00} {gbPerSecond,8:0.00}"));
            }
        }
        return 0;
    }
}

/// <summary>One kernel's result as a JSON line (<c>--json</c>).</summary>
internal sealed record KernelBenchLine(string Kernel, string Shape, string Backend, double Seconds, long Bytes, double GbPerS);
