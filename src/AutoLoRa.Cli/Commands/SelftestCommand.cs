using System.CommandLine;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Selftest;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Selftest;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Commands;

/// <summary>
/// <c>autolora selftest [--backend] [--precision] [--deterministic]</c>: a one-command verdict on
/// whether this machine computes correctly. On cpu: GEMM, gradients, a short training run and a
/// PGD attack. On cuda or cuda-emu also the runtime's versions and device and the kernels; on every
/// backend the verification table (AutoLoRa.Verify) — on cpu its cases with a plain reference,
/// elsewhere also every primitive and two AutoLoRa steps against the CPU backend. The backend options
/// are every computing verb's (<see cref="BackendOptions"/>): a CUDA backend is checked at the
/// precision a run with the same options computes in, and each case is held to the bound of that
/// precision (TF32's input rounding widens the bounds of what matrix products compute); the checks
/// no TF32 bound exists for — the whole training steps, whose attack takes signs, and the
/// finite-difference gradients — run on an FP32 twin of a TF32 backend and say so. Exits 1 on
/// any failed check, 2 when the backend cannot be used at all.
/// </summary>
internal static class SelftestCommand
{
    public static Command Create()
    {
        var backendOptions = new BackendOptions();
        var command = new Command("selftest", "Checks the engine on this machine: GEMM, gradients, a short training run and a PGD attack; " +
                                              "for cuda/cuda-emu also every backend primitive and two AutoLoRa steps against the CPU backend, " +
                                              "at the --precision and --deterministic a run would use.");
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() => Run(backendOptions.Settings(r), Console.Out)));
        return command;
    }

    private static int Run(BackendSettings settings, TextWriter output)
    {
        if (!BackendChoice.Names.Contains(settings.Name))
        {
            throw new ArgumentException($"--backend '{settings.Name}' is not known; choose one of {string.Join(", ", BackendChoice.Names)}.");
        }
        var probe = settings.Name is "auto" or "cuda" ? CudaAvailability.Probe() : null;
        if (settings.Name == "cuda" && probe is { Available: false })
        {
            throw new BackendException($"--backend cuda: native CUDA is {probe.Reason} (selftest --backend cuda-emu checks the CUDA code path without a GPU).");
        }

        output.WriteLine($"autolora selftest on {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
        output.WriteLine($"  cores: {Environment.ProcessorCount}; SIMD: {SimdDescription()}");
        var report = new CheckReport(output);
        if (settings.Name is "cpu" or "cpu-exact" || (settings.Name == "auto" && probe is { Available: false }))
        {
            string notes = BackendChoice.CpuNotes(settings);
            output.WriteLine(settings.Name == "auto" ? $"  backend: cpu (CUDA {probe!.Reason}){notes}" : $"  backend: {settings.Name}{notes}");
            using var cpu = new CpuBackend { Winograd = settings.Name != "cpu-exact", Autotune = !settings.NoAutotune };
            foreach (var (name, check) in TableChecks.For(new CaseRunner(cpu, reference: null), againstCpu: false)) report.Run(name, check);
            foreach (var (name, check) in new EngineChecks(cpu).All()) report.Run(name, check);
        }
        else
        {
            RunCuda(settings, native: settings.Name != "cuda-emu", report, output);
        }
        return report.Finish();
    }

    private static void RunCuda(BackendSettings settings, bool native, CheckReport report, TextWriter output)
    {
        output.WriteLine(native
            ? "  backend: cuda (native: driver API, cuBLAS, cuDNN and our PTX on device 0)"
            : "  backend: cuda-emu (CudaBackend on the host emulation of its kernels, cuBLAS and cuDNN; slow, for checking without a GPU)");
        CudaBackend? backend = null, fp32 = null;
        report.Run(native ? "open device, JIT the PTX" : "load host kernel library", () =>
        {
            backend = Open(settings, native);
            return CheckResult.Pass(backend.Runtime is NativeRuntime n ? $"{n.DeviceName}, context, stream, cuBLAS and cuDNN handles" : "ok");
        });
        if (backend is null) return;
        output.WriteLine($"  precision: {PrecisionLine(settings, backend)}");
        try
        {
            report.Run("describe the device", () =>
            {
                foreach (var line in CudaSelftest.Describe(backend)) output.WriteLine($"  {line}");
                return CheckResult.Pass("");
            });
            report.Run("kernels", () => From(CudaSelftest.CheckKernels(backend)));
            using var cpu = new CpuBackend();
            // The checks no TF32 bound can be derived for (an attack's sign(), finite differences)
            // run on an FP32 twin of the backend; every other check runs in TF32 against TF32 bounds.
            if (backend.Precision == MatrixPrecision.Tf32)
            {
                report.Run("open an fp32 twin", () =>
                {
                    fp32 = Open(settings with { Precision = MatrixPrecision.Fp32 }, native);
                    return CheckResult.Pass("for the checks no TF32 bound exists for");
                });
            }
            var twin = fp32 is null ? null : new CaseRunner(fp32, cpu);
            foreach (var (name, check) in TableChecks.For(new CaseRunner(backend, cpu), againstCpu: true, twin)) report.Run(name, check);
            foreach (var (name, check) in new EngineChecks(backend, fp32).All()) report.Run(name, check);
        }
        finally
        {
            // After a sticky device error (a kernel that faulted) every call fails, releasing the
            // device too: a check of its own, so the verdict line below is still printed.
            report.Run("release the device", () =>
            {
                fp32?.Dispose();
                backend.Dispose();
                return CheckResult.Pass("");
            });
        }
    }

    private static CudaBackend Open(BackendSettings settings, bool native) => native
        ? new CudaBackend(new NativeRuntime(0, settings.Precision) { DeterministicConvolutions = settings.Deterministic })
        : new CudaBackend(new EmulatedRuntime(precision: settings.Precision));

    /// <summary>
    /// The precision the checks run at and are held to: what the backend settled on, which is FP32
    /// on a device without TF32 tensor cores whatever was asked for.
    /// </summary>
    private static string PrecisionLine(BackendSettings settings, CudaBackend backend)
    {
        string bounds = backend.Precision == MatrixPrecision.Tf32
            ? "tf32: GEMM and convolution inputs rounded to 10 mantissa bits, sums in FP32; the bounds of what matrix products compute widened by that rounding"
            : "fp32: every product in FP32, FP32 bounds";
        string fallback = backend.Precision != settings.Precision ? " (tf32 asked for; this device has no TF32 tensor cores)" : "";
        string deterministic = settings.Deterministic ? "; convolutions by deterministic algorithms only" : "";
        return bounds + fallback + deterministic;
    }

    private static CheckResult From(SelftestOutcome outcome) => new(outcome.Passed, outcome.Detail);

    private static string SimdDescription()
    {
        var parts = new List<string>();
        if (Vector512.IsHardwareAccelerated) parts.Add("AVX-512");
        if (Avx2.IsSupported) parts.Add("AVX2");
        if (Fma.IsSupported) parts.Add("FMA");
        if (parts.Count == 0) parts.Add(Vector.IsHardwareAccelerated ? $"Vector<float> x{Vector<float>.Count}" : "none (scalar)");
        return string.Join(" + ", parts);
    }
}
