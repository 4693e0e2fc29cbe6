using System.CommandLine;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cli.Selftest;
using AutoLoRa.Core.Cpu;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora selftest</c>: a one-command verdict on whether this machine computes correctly.</summary>
internal static class SelftestCommand
{
    public static Command Create()
    {
        var command = new Command("selftest", "Checks the engine on this machine: GEMM, gradients, a short training run and a PGD attack.");
        command.SetAction(_ => Run(Console.Out));
        return command;
    }

    private static int Run(TextWriter output)
    {
        output.WriteLine($"autolora selftest on {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
        output.WriteLine($"  cores: {Environment.ProcessorCount}; SIMD: {SimdDescription()}");

        using var cpu = new CpuBackend();
        var checks = new EngineChecks(cpu);
        int failures = 0;
        foreach (var (name, check) in checks.All())
        {
            var clock = Stopwatch.StartNew();
            CheckResult result;
            try
            {
                result = check();
            }
            catch (Exception e)
            {
                result = CheckResult.Fail($"{e.GetType().Name}: {e.Message}");
            }
            if (!result.Passed) failures++;
            output.WriteLine($"  [{(result.Passed ? "ok" : "FAIL")}] {name,-26} {result.Detail} ({clock.Elapsed.TotalSeconds:F2} s)");
        }
        output.WriteLine(failures == 0 ? "selftest passed" : $"selftest FAILED: {failures} check(s)");
        return failures == 0 ? 0 : 1;
    }

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
