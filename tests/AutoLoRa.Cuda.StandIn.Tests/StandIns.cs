using System.Runtime.CompilerServices;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>
/// Where the stand-in libraries are (the standins/ folder beside the test assembly) and whether they
/// were built. The module initializer points the native library probe at them before any test
/// runs; the driver stand-in finds the host kernel library beside itself (copied there by the build).
/// </summary>
public static class StandIns
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "standins");

    public static string Driver => Path.Combine(Folder, "libcuda_standin.so");

    public static string CuBlas => Path.Combine(Folder, "libcublas_standin.so");

    public static string CuDnn => Path.Combine(Folder, "libcudnn_standin.so");

    /// <summary>Null when all three are there, else why not (the CMake step's SKIPPED.txt when it wrote one).</summary>
    public static string? MissingReason
    {
        get
        {
            string skipped = Path.Combine(Folder, "SKIPPED.txt");
            if (File.Exists(skipped)) return File.ReadAllText(skipped).Trim();
            var missing = new[] { Driver, CuBlas, CuDnn, Path.Combine(Folder, Kernels.HostKernelLibrary.FileName) }.Where(p => !File.Exists(p)).ToArray();
            return missing.Length == 0 ? null : $"CUDA stand-in libraries not built: {string.Join(", ", missing)} missing (cmake and a C++ compiler, run by src/AutoLoRa.Kernels)";
        }
    }

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
