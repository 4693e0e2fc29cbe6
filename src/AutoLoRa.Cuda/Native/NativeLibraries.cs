using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace AutoLoRa.Cuda;

/// <summary>
/// The one <see cref="NativeLibrary.SetDllImportResolver"/> of the interop assembly (AutoLoRa.Cuda.Interop). Its
/// declarations name logical libraries; this maps each to the first file that loads: an
/// environment override (a path or file name), then the versioned names of the supported
/// releases, newest first. A library that cannot be loaded is remembered with the reason, which
/// <see cref="CudaAvailability"/> reports instead of letting a call crash.
/// </summary>
public static class NativeLibraries
{
    internal const string CudaDriverName = Interop.CudaDriver.Library;
    internal const string CuBlasName = Interop.CuBlas.Library;
    internal const string CuDnnName = Interop.CuDnn.Library;

    /// <summary>Environment variables that override where each library is loaded from.</summary>
    public const string DriverVariable = "AUTOLORA_LIBCUDA";
    public const string CuBlasVariable = "AUTOLORA_LIBCUBLAS";
    public const string CuDnnVariable = "AUTOLORA_LIBCUDNN";

    private static readonly ConcurrentDictionary<string, (nint Handle, string Description)> Loaded = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>Installs the resolver (idempotent; a second SetDllImportResolver would throw).</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(Interop.CudaDriver).Assembly, Resolve);
            _registered = true;
        }
    }

    /// <summary>The cuBLAS majors we support, newest first: each ships with the CUDA toolkit of that major.</summary>
    private static readonly int[] CuBlasMajors = [13, 12];

    /// <summary>
    /// File names tried for a logical library on this OS, in order (after the override). cuBLAS of
    /// toolkit N needs a driver that supports CUDA N (cuDriverGetVersion ≥ N·1000): given the
    /// driver's version, only those majors are tried, so a newer cuBLAS installed beside an older
    /// driver is not loaded to fail at its first call. 0 = the version is not known: all of them.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string logicalName, int driverVersion = 0) => logicalName switch
    {
        CudaDriverName => OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"],
        CuBlasName => [.. CuBlasMajors.Where(m => driverVersion == 0 || m * 1000 <= driverVersion).Select(CuBlasFile)],
        CuDnnName => OperatingSystem.IsWindows() ? ["cudnn64_9.dll", "cudnn64_8.dll"] : ["libcudnn.so.9", "libcudnn.so.8"],
        _ => [],
    };

    /// <summary>Why no cuBLAS loads, when one too new for the driver is installed: names both versions and the two fixes; else null.</summary>
    public static string? CuBlasDriverMismatch(int driverVersion, Func<string, bool> loads)
    {
        var tooNew = CuBlasMajors.Where(m => m * 1000 > driverVersion).Select(CuBlasFile).FirstOrDefault(loads);
        return driverVersion == 0 || tooNew is null ? null
            : $"{tooNew} is installed but needs a newer driver: this one supports CUDA {driverVersion / 1000}.{driverVersion % 1000 / 10} " +
              $"(cuDriverGetVersion {driverVersion}); update the driver, or install the cuBLAS of CUDA {driverVersion / 1000}";
    }

    private static string CuBlasFile(int major) => OperatingSystem.IsWindows() ? $"cublas64_{major}.dll" : $"libcublas.so.{major}";

    /// <summary>Loads a logical library, or says why it cannot be loaded (never throws).</summary>
    public static bool TryLoad(string logicalName, out string description)
    {
        var (handle, text) = Loaded.GetOrAdd(logicalName, LoadFirst);
        description = text;
        return handle != 0;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (Candidates(libraryName).Count == 0) return 0;
        return Loaded.GetOrAdd(libraryName, LoadFirst).Handle;
    }

    private static (nint, string) LoadFirst(string logicalName)
    {
        string variable = logicalName switch
        {
            CudaDriverName => DriverVariable,
            CuBlasName => CuBlasVariable,
            _ => CuDnnVariable,
        };
        var tried = new List<string>();
        string? overridden = Environment.GetEnvironmentVariable(variable);
        int driverVersion = logicalName == CuBlasName ? DriverVersion() : 0;
        var names = string.IsNullOrWhiteSpace(overridden) ? Candidates(logicalName, driverVersion) : [overridden];
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle)) return (handle, name);
            tried.Add(name);
        }
        string origin = string.IsNullOrWhiteSpace(overridden) ? $"set {variable} to a path to override" : $"from {variable}";
        if (string.IsNullOrWhiteSpace(overridden) && logicalName == CuBlasName
            && CuBlasDriverMismatch(driverVersion, LoadsAndFrees) is { } mismatch)
        {
            return (0, $"{mismatch} ({origin})");
        }
        return (0, tried.Count == 0 ? $"no supported version to try ({origin})" : $"could not load {string.Join(" or ", tried)} ({origin})");
    }

    /// <summary>The loaded driver's cuDriverGetVersion, or 0 when there is none (the driver is loaded first, by the probe).</summary>
    internal static unsafe int DriverVersion()
    {
        if (!TryLoad(CudaDriverName, out _)) return 0;
        int version = 0;
        return Interop.CudaDriver.cuDriverGetVersion(&version) == 0 ? version : 0;
    }

    private static bool LoadsAndFrees(string name)
    {
        if (!NativeLibrary.TryLoad(name, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
