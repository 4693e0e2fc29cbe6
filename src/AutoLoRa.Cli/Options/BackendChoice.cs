using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cli.Options;

/// <summary>
/// Resolves --backend to an Backend and says, in one line on <c>log</c>, which one it chose and
/// why: <c>cpu</c>; <c>cpu-exact</c> (the CPU backend without Winograd convolutions, whose
/// rounding differs from the direct method's); <c>cuda</c> (native: driver, cuBLAS, cuDNN, device 0, our PTX); <c>cuda-emu</c>
/// (the CUDA backend over the host emulation of its kernels and of cuBLAS/cuDNN: for checking
/// that code path without a GPU, slow); <c>auto</c> (native CUDA when it can be opened, else cpu).
/// The CUDA backends take the precision and determinism of <see cref="BackendSettings"/>; the CPU
/// backend computes FP32, repeats bit for bit once its convolution choices are measured and saved
/// (or by the fixed rule with --no-autotune), and notes the options it ignores.
/// A backend that cannot be opened throws <see cref="BackendException"/> with the reason.
/// </summary>
internal static class BackendChoice
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "cpu", "cpu-exact", "cuda", "cuda-emu"];

    /// <summary>Opens the backend <paramref name="settings"/> names, with its precision and determinism, and says so on <paramref name="log"/>.</summary>
    public static Backend Create(BackendSettings settings, TextWriter log)
    {
        switch (settings.Name)
        {
            case "cpu":
                log.WriteLine($"backend: cpu ({Environment.ProcessorCount} threads){CpuNotes(settings)}");
                return Cpu(settings);
            case "cpu-exact":
                log.WriteLine($"backend: cpu-exact ({Environment.ProcessorCount} threads, direct and GEMM convolutions only){CpuNotes(settings)}");
                return Cpu(settings, winograd: false);
            case "cuda":
                return OpenNativeOr(settings, log, e => throw new BackendException(
                    $"--backend cuda: native CUDA is {e.Message} (use --backend cpu, or cuda-emu to check the CUDA code path without a GPU).", e));
            case "cuda-emu":
            {
                var backend = OpenEmulated(settings.Precision);
                log.WriteLine("backend: cuda-emu (CUDA backend on the host emulation of its kernels, cuBLAS and cuDNN; for checking, much slower than cpu; " +
                              $"{Describe(settings.Precision)})");
                return backend;
            }
            case "auto":
                return OpenNativeOr(settings, log, e =>
                {
                    log.WriteLine($"backend: cpu ({Environment.ProcessorCount} threads; CUDA {e.Message}){CpuNotes(settings)}");
                    return Cpu(settings);
                });
            default:
                throw new ArgumentException($"--backend '{settings.Name}' is not known; choose one of {string.Join(", ", Names)}.");
        }
    }

    /// <summary>The native CUDA backend on device 0 (under mpirun: the local rank's), or a <see cref="BackendException"/> saying why not.</summary>
    public static CudaBackend OpenNative(BackendSettings settings, out string description)
    {
        var probe = CudaAvailability.Probe();
        if (!probe.Available) throw new BackendException($"unavailable: {Unprefixed(probe.Reason)}");
        // Under mpirun each rank takes the device of its local rank (and a node short of devices stops here).
        int ordinal = Distributed.Cuda.LocalDevice.Choose(Environment.GetEnvironmentVariable, probe.DeviceCount);
        NativeRuntime runtime;
        try
        {
            runtime = new NativeRuntime(ordinal, settings.Precision) { DeterministicConvolutions = settings.Deterministic };
        }
        catch (Exception e) when (e is BackendException or KernelException)
        {
            throw new BackendException($"unavailable: opening device {ordinal} failed: {e.Message}", e);
        }
        string precision = runtime.Precision == settings.Precision
            ? Describe(runtime.Precision)
            : $"{Describe(runtime.Precision)}: tf32 asked for, and compute {runtime.ComputeCapability.Major}.{runtime.ComputeCapability.Minor} has no TF32 tensor cores";
        description = $"{runtime.DeviceName}, compute {runtime.ComputeCapability.Major}.{runtime.ComputeCapability.Minor}, " +
                      $"{runtime.MultiprocessorCount} SMs; {precision}{(settings.Deterministic ? "; deterministic convolutions" : "")}";
        return new CudaBackend(runtime);
    }

    /// <summary>How a precision is shown in the backend line.</summary>
    private static string Describe(MatrixPrecision precision) => precision == MatrixPrecision.Tf32
        ? "GEMMs and convolutions in TF32 on tensor cores"
        : "GEMMs and convolutions in FP32";

    /// <summary>Native CUDA, announced on <paramref name="log"/>; when it does not open, what <paramref name="otherwise"/> makes of the reason.</summary>
    private static Backend OpenNativeOr(BackendSettings settings, TextWriter log, Func<BackendException, Backend> otherwise)
    {
        CudaBackend backend;
        string description;
        try
        {
            backend = OpenNative(settings, out description);
        }
        catch (BackendException e)
        {
            return otherwise(e);
        }
        log.WriteLine($"backend: cuda ({description})");
        return backend;
    }

    private static CpuBackend Cpu(BackendSettings settings, bool winograd = true) => new() { Winograd = winograd, Autotune = !settings.NoAutotune };

    /// <summary>What the CPU backend makes of the CUDA-only options: a note for each given one.</summary>
    private static string CpuNotes(BackendSettings settings) =>
        (settings.PrecisionGiven ? $"; --precision {settings.Precision.ToString().ToLowerInvariant()} ignored: the CPU backend computes FP32" : "") +
        (settings.Deterministic ? "; --deterministic changes nothing: the CPU backend's runs repeat bit for bit once its convolution choices are saved (or with --no-autotune)" : "") +
        (settings.NoAutotune ? "; convolution algorithms by the fixed rule" : "");

    /// <summary>The CUDA backend over the emulated runtime, or a <see cref="BackendException"/> when the host kernel library is missing.</summary>
    public static CudaBackend OpenEmulated(MatrixPrecision precision = MatrixPrecision.Fp32)
    {
        try
        {
            return new CudaBackend(new EmulatedRuntime(precision: precision));
        }
        catch (KernelException e)
        {
            throw new BackendException($"--backend cuda-emu is unavailable: {e.Message}", e);
        }
    }

    /// <summary>"unavailable: why" → "why" (the probe and the messages above both use that prefix).</summary>
    private static string Unprefixed(string reason) =>
        reason.StartsWith("unavailable: ", StringComparison.Ordinal) ? reason["unavailable: ".Length..] : reason;
}
