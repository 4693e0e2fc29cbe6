using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Diagnostics;
using AutoLoRa.Cuda.Runtime;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>What <c>autolora selftest --backend cuda-emu</c> runs: it must pass here, and say what it measured.</summary>
[Trait("Backend", "cuda-emu")]
public sealed class SelftestTests(ITestOutputHelper output)
{
    [Fact]
    public void Kernel_and_primitive_checks_pass_on_cuda_emu()
    {
        using var cpu = new CpuBackend();
        using var emulated = new CudaBackend(new EmulatedRuntime());
        Assert.Contains(CudaSelftest.Describe(emulated), line => line.Contains("host emulation", StringComparison.Ordinal));
        var kernels = CudaSelftest.CheckKernels(emulated);
        output.WriteLine($"kernels: {kernels.Detail}");
        Assert.True(kernels.Passed, kernels.Detail);
        var checks = CudaSelftest.PrimitiveChecks(emulated, cpu).Select(c => (c.Name, Outcome: c.Run())).ToList();
        foreach (var (name, outcome) in checks) output.WriteLine($"[{(outcome.Passed ? "ok" : "FAIL")}] {name}: {outcome.Detail}");
        Assert.Equal(17, checks.Count);
        Assert.All(checks, c => Assert.True(c.Outcome.Passed, $"{c.Name}: {c.Outcome.Detail}"));
        Assert.All(checks, c => Assert.Contains("max err", c.Outcome.Detail));
    }

    [Theory]
    [InlineData(120603, "12.6.3")]
    [InlineData(110801, "11.8.1")]
    public void CuBlas_versions_are_decoded(int version, string expected) => Assert.Equal(expected, CudaSelftest.FormatCuBlas(version));

    [Theory]
    [InlineData(90600, "9.6.0")]
    [InlineData(8907, "8.9.7")]
    public void CuDnn_versions_are_decoded_for_each_major(ulong version, string expected) =>
        Assert.Equal(expected, CudaSelftest.FormatCuDnn((nuint)version));
}
