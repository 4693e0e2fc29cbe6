using System.Diagnostics;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Cuda.Selftest;
using AutoLoRa.Verify;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary><c>autolora selftest --backend cuda</c> through the stand-ins, in FP32 and TF32: in process, and as the real command.</summary>
[Trait("Backend", "cuda-standin")]
public sealed class SelftestTests(ITestOutputHelper output)
{
    [SkippableStandInFact]
    public void Runtime_is_described_from_the_stand_ins_and_every_kernel_is_loaded()
    {
        using var backend = new CudaBackend(new NativeRuntime());
        var lines = CudaSelftest.Describe(backend);
        foreach (var line in lines) output.WriteLine(line);
        Assert.Contains(lines, l => l.Contains("libcuda_standin.so", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("cuDNN:  9.6.0", StringComparison.Ordinal));
        // The stand-in device is sm_80; the kernels build pins clang's PTX to ISA 7.0 (CUDA 11.0 drivers).
        Assert.Contains(lines, l => l.StartsWith("PTX:    sm_80, ISA ", StringComparison.Ordinal) && l.Contains("or newer", StringComparison.Ordinal));
        var kernels = CudaSelftest.CheckKernels(backend);
        Assert.True(kernels.Passed, kernels.Detail);
    }

    [SkippableStandInFact]
    public void The_selftest_command_passes_on_the_native_backend_in_fp32()
    {
        var (exit, stdout, stderr) = Selftest("fp32");
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("libcuda_standin.so", stdout, StringComparison.Ordinal);
        Assert.Contains("precision: fp32: every product in FP32, FP32 bounds", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The stand-ins' sm_80 profile rounds GEMM and convolution inputs to TF32 (PrecisionTests), so
    /// this passes only with every matrix-product bound widened for TF32, the whole-step case's included;
    /// <see cref="Tf32_results_held_to_the_fp32_bounds_fail"/> shows the widening is needed.
    /// </summary>
    [SkippableStandInFact]
    public void The_selftest_command_passes_on_the_native_backend_in_tf32_with_tf32_bounds()
    {
        var (exit, stdout, stderr) = Selftest("tf32", ("--deterministic", null));
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("precision: tf32: GEMM and convolution inputs rounded to 10 mantissa bits", stdout, StringComparison.Ordinal);
        Assert.Contains("convolutions by deterministic algorithms only", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The check a TF32 selftest makes, made too tight on purpose: the same TF32 results held to the
    /// FP32 bounds. Some case must fail, or the TF32 selftest proves nothing about TF32 (a backend
    /// that quietly computed FP32 would pass both).
    /// </summary>
    [SkippableStandInFact]
    public void Tf32_results_held_to_the_fp32_bounds_fail()
    {
        using var tf32 = new CudaBackend(new NativeRuntime(0, MatrixPrecision.Tf32));
        using var cpu = new CpuBackend();
        Assert.Equal(MatrixPrecision.Tf32, tf32.Precision);
        var tight = new CaseRunner(tf32, cpu) { Bounds = MatrixPrecision.Fp32 };
        var own = new CaseRunner(tf32, cpu);
        var cases = VerificationTable.All.OfType<PrimitiveCase>().Where(c => c.Buffers.Checked.Any(o => o.Tolerance.UnderTf32 is not null)).ToList();
        var failedTight = cases.Where(c => !tight.Check(c).Passed).Select(c => c.Name).ToList();
        output.WriteLine($"{failedTight.Count} of {cases.Count} TF32 cases fail the FP32 bounds, among them: {string.Join("; ", failedTight.Take(5))}");
        Assert.NotEmpty(failedTight);
        foreach (var name in failedTight)
        {
            var outcome = own.Check(VerificationTable.Find(name));
            Assert.True(outcome.Passed, $"{name} under its TF32 bounds: {outcome.Detail}");
        }
    }

    /// <summary>
    /// A kernel that faults leaves the context with a sticky error every later call returns,
    /// releasing the device included: the checks after it fail, and the verdict line still prints.
    /// </summary>
    [SkippableStandInFact]
    public void After_a_sticky_device_error_the_selftest_still_prints_its_verdict()
    {
        var (exit, stdout, stderr) = Selftest("fp32", ("AUTOLORA_STANDIN_FAULT_AFTER_LAUNCHES", "3"));
        Assert.True(exit == 1, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("CUDA_ERROR_ILLEGAL_ADDRESS", stdout, StringComparison.Ordinal);
        Assert.Matches(@"selftest FAILED: \d+ check\(s\)\s*$", stdout);
    }

    /// <summary>
    /// A driver older than the PTX's ISA refuses it at load (CUDA_ERROR_UNSUPPORTED_PTX_VERSION): the
    /// message names the ISA, the driver it needs, the driver there is, and the two fixes.
    /// </summary>
    [SkippableStandInFact]
    public void A_driver_older_than_the_ptx_isa_is_named_with_the_driver_it_needs()
    {
        var (exit, stdout, stderr) = Selftest("fp32", ("AUTOLORA_STANDIN_DRIVER_VERSION", "10020")); // CUDA 10.2: ISA 6.5 at most
        Assert.True(exit == 1, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Contains("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", stdout, StringComparison.Ordinal);
        Assert.Contains("a driver for CUDA 11.0 or newer", stdout, StringComparison.Ordinal);
        Assert.Contains("this driver is CUDA 10.2", stdout, StringComparison.Ordinal);
        Assert.Contains("update the driver", stdout, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>autolora selftest --backend cuda</c> as a child process over the stand-ins.</summary>
    /// <summary>
    /// Runs <c>autolora selftest --backend cuda --precision <paramref name="precision"/></c> as a child
    /// process over the stand-ins; a setting whose name starts with "--" is one more option (a value
    /// if not null), any other an environment variable.
    /// </summary>
    private (int Exit, string Stdout, string Stderr) Selftest(string precision, params (string Name, string? Value)[] settings)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "autolora.dll"));
        foreach (var argument in new[] { "selftest", "--backend", "cuda", "--precision", precision }) info.ArgumentList.Add(argument);
        info.Environment[NativeLibraries.DriverVariable] = StandIns.Driver;
        info.Environment[NativeLibraries.CuBlasVariable] = StandIns.CuBlas;
        info.Environment[NativeLibraries.CuDnnVariable] = StandIns.CuDnn;
        foreach (var (name, value) in settings)
        {
            if (!name.StartsWith("--", StringComparison.Ordinal)) info.Environment[name] = value;
            else
            {
                info.ArgumentList.Add(name);
                if (value is not null) info.ArgumentList.Add(value);
            }
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // 43 s of wall time (20 s of CPU) on 2 cores at a load average of 25 (2026-12-05), since the
        // emulator keeps its workers and switches fibers without system calls; it was 12 minutes
        // (5 of CPU) before, the two whole training steps (a ResNet and a vit-mini) being thousands
        // of emulated launches through the stand-ins. The wait leaves room for CI's other test projects.
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("autolora selftest --backend cuda did not finish in 3 minutes over the stand-ins.");
        }
        output.WriteLine(stdout.Result);
        output.WriteLine(stderr.Result);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
