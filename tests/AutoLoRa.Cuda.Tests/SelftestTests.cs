using AutoLoRa.Cuda.Selftest;
using AutoLoRa.Cuda.Runtime;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The CUDA-only part of <c>autolora selftest --backend cuda-emu</c>: the runtime description and
/// the kernel inventory (the primitive comparisons are the verification table's, tested per case).
/// </summary>
[Trait("Backend", "cuda-emu")]
public sealed class SelftestTests(ITestOutputHelper output)
{
    [Fact]
    public void Runtime_is_described_and_every_kernel_is_present_on_cuda_emu()
    {
        using var emulated = new CudaBackend(new EmulatedRuntime());
        Assert.Contains(CudaSelftest.Describe(emulated), line => line.Contains("host emulation", StringComparison.Ordinal));
        var kernels = CudaSelftest.CheckKernels(emulated);
        output.WriteLine($"kernels: {kernels.Detail}");
        Assert.True(kernels.Passed, kernels.Detail);
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
