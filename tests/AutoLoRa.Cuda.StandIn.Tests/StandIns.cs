using System.Runtime.CompilerServices;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Tests.Support;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>
/// Where the stand-in libraries are (the standins/ folder beside the test assembly) and whether they
/// were built. The module initializer points the native library probe at them before any test
/// runs; the driver stand-in finds the host kernel library beside itself (copied there by the build).
/// </summary>
public static class StandIns
{
    public static string Driver => StandInFolder.Of("libcuda_standin.so");

    public static string CuBlas => StandInFolder.Of("libcublas_standin.so");

    public static string CuDnn => StandInFolder.Of("libcudnn_standin.so");

    /// <summary>Null when all three and the host kernel library are there, else why not.</summary>
    public static string? MissingReason => StandInFolder.MissingReason(
        "libcuda_standin.so", "libcublas_standin.so", "libcudnn_standin.so", Kernels.HostKernelLibrary.FileName);

    [ModuleInitializer]
    internal static void PointTheProbeAtTheStandIns()
    {
        Environment.SetEnvironmentVariable(NativeLibraries.DriverVariable, Driver);
        Environment.SetEnvironmentVariable(NativeLibraries.CuBlasVariable, CuBlas);
        Environment.SetEnvironmentVariable(NativeLibraries.CuDnnVariable, CuDnn);
    }
}

/// <summary>Skips a class's backend tests only when the stand-ins could not be built; a stand-in that loads but fails is a failure.</summary>
public sealed class StandInsRequiredAttribute : BackendAvailabilityAttribute
{
    public override string? SkipReason => StandIns.MissingReason;
}

/// <summary>A [Fact] that is skipped (with the reason) when the stand-ins were not built.</summary>
public sealed class SkippableStandInFactAttribute : FactAttribute
{
    public SkippableStandInFactAttribute() => Skip = StandIns.MissingReason;
}
