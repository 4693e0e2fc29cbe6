namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// Which cuBLAS the probe tries follows the driver: cuBLAS of toolkit N needs a driver for CUDA N
/// (cuDriverGetVersion ≥ N·1000). Before, libcublas.so.13 was taken ahead of .12 whatever the driver.
/// </summary>
public sealed class NativeLibrariesTests
{
    private static string CuBlas(int major) => OperatingSystem.IsWindows() ? $"cublas64_{major}.dll" : $"libcublas.so.{major}";

    [Theory]
    [InlineData(12060, new[] { 12 })]
    [InlineData(12000, new[] { 12 })]
    [InlineData(13000, new[] { 13, 12 })]
    [InlineData(13010, new[] { 13, 12 })]
    [InlineData(11080, new int[0])]
    [InlineData(0, new[] { 13, 12 })] // the driver's version unknown: every supported one, newest first
    public void Only_the_cublas_the_driver_supports_is_tried(int driverVersion, int[] majors) =>
        Assert.Equal(majors.Select(CuBlas), NativeLibraries.Candidates(Interop.CuBlas.Library, driverVersion));

    [Fact]
    public void A_cublas_too_new_for_the_driver_is_named_with_both_versions()
    {
        string? why = NativeLibraries.CuBlasDriverMismatch(12060, name => name == CuBlas(13));
        Assert.NotNull(why);
        Assert.StartsWith($"{CuBlas(13)} is installed but needs a newer driver: this one supports CUDA 12.6 (cuDriverGetVersion 12060)", why);
        Assert.Null(NativeLibraries.CuBlasDriverMismatch(12060, _ => false));
        Assert.Null(NativeLibraries.CuBlasDriverMismatch(13000, _ => true));
    }
}
