using System.CommandLine;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cli.Selftest;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Selftest;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Verify;

namespace AutoLoRa.Cli.Commands;

/// <summary>
/// <c>autolora selftest [--backend]</c>: a one-command verdict on whether this machine computes
/// correctly. On cpu: GEMM, gradients, a short training run and a PGD attack. On cuda or cuda-emu
/// also the runtime's versions and device and the kernels; on every backend the verification
/// table (AutoLoRa.Verify) — on cpu its cases with a plain reference, elsewhere also every
/// primitive and two AutoLoRa steps against the CPU backend. Exits 1 on any failed
/// check, 2 when the backend cannot be used at all.
/// </summary>
internal static class SelftestCommand
{
    public static Command Create()
    {
        var backendName = new Option<string>("--backend")
        {
            Description = "Backend to check: auto (cuda when a usable GPU is present, else cpu) | cpu | cuda | cuda-emu (the CUDA code path on the host emulation; slow).",
            DefaultValueFactory = _ => "auto",
        };
        var command = new Command("selftest", "Checks the engine on this machine: GEMM, gradients, a short training run and a PGD attack; " +
                                              "for cuda/cuda-emu also every backend primitive and two AutoLoRa steps against the CPU backend.") { backendName };
        command.SetAction(r => CliError.Guard(() => Run(r.GetValue(backendName)!, Console.Out)));
        return command;
    }

    private static int Run(string backendName, TextWriter output)
    {
        if (!new[] { "auto", "cpu", "cuda", "cuda-emu" }.Contains(backendName))
        {
            throw new ArgumentException($"--backend '{backendName}' is not known; choose one of auto, cpu, cuda, cuda-emu.");
        }
        var probe = backendName is "auto" or "cuda" ? CudaAvailability.Probe() : null;
        if (backendName == "cuda" && probe is { Available: false })
        {
            throw new BackendException($"--backend cuda: native CUDA is {probe.Reason} (selftest --backend cuda-emu checks the CUDA code path without a GPU).");
        }

        output.WriteLine($"autolora selftest on {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
        output.WriteLine($"  cores: {Environment.ProcessorCount}; SIMD: {SimdDescription()}");
        var report = new CheckReport(output);
        if (backendName == "cpu" || (backendName == "auto" && probe is { Available: false }))
        {
            output.WriteLine(backendName == "cpu" ? "  backend: cpu" : $"  backend: cpu (CUDA {probe!.Reason})");
            using var cpu = new CpuBackend();
            foreach (var (name, check) in TableChecks.For(new CaseRunner(cpu, reference: null), againstCpu: false)) report.Run(name, check);
            foreach (var (name, check) in new EngineChecks(cpu).All()) report.Run(name, check);
        }
        else
        {
            RunCuda(native: backendName != "cuda-emu", report, output);
        }
        return report.Finish();
    }

    private static void RunCuda(bool native, CheckReport report, TextWriter output)
    {
        output.WriteLine(native
            ? "  backend: cuda (native: driver API, cuBLAS, cuDNN and our PTX on device 0)"
            : "  backend: cuda-emu (CudaBackend on the host emulation of its kernels, cuBLAS and cuDNN; slow, for checking without a GPU)");
        CudaBackend? backend = null;
        report.Run(native ? "open device, JIT the PTX" : "load host kernel library", () =>
        {
            backend = native ? new CudaBackend(new NativeRuntime()) : new CudaBackend(new EmulatedRuntime());
            return CheckResult.Pass(backend.Runtime is NativeRuntime n ? $"{n.DeviceName}, context, stream, cuBLAS and cuDNN handles" : "ok");
        });
        if (backend is null) return;
        try
        {
            report.Run("describe the device", () =>
            {
                foreach (var line in CudaSelftest.Describe(backend)) output.WriteLine($"  {line}");
                return CheckResult.Pass("");
            });
            report.Run("kernels", () => From(CudaSelftest.CheckKernels(backend)));
            using var cpu = new CpuBackend();
            foreach (var (name, check) in TableChecks.For(new CaseRunner(backend, cpu), againstCpu: true)) report.Run(name, check);
            foreach (var (name, check) in new EngineChecks(backend).All()) report.Run(name, check);
        }
        finally
        {
            // After a sticky device error (a kernel that faulted) every call fails, releasing the
            // device too: a check of its own, so the verdict line below is still printed.
            report.Run("release the device", () =>
            {
                backend.Dispose();
                return CheckResult.Pass("");
            });
        }
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
