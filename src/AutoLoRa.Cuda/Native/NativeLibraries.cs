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

    /// <summary>File names tried for a logical library on this OS, in order (after the override).</summary>
    public static IReadOnlyList<string> Candidates(string logicalName) => logicalName switch
    {
        CudaDriverName => OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"],
        CuBlasName => OperatingSystem.IsWindows() ? ["cublas64_13.dll", "cublas64_12.dll"] : ["libcublas.so.13", "libcublas.so.12"],
        CuDnnName => OperatingSystem.IsWindows() ? ["cudnn64_9.dll", "cudnn64_8.dll"] : ["libcudnn.so.9", "libcudnn.so.8"],
        _ => [],
    };

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
        var names = string.IsNullOrWhiteSpace(overridden) ? Candidates(logicalName) : [overridden];
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle)) return (handle, name);
            tried.Add(name);
        }
        string origin = string.IsNullOrWhiteSpace(overridden) ? $"set {variable} to a path to override" : $"from {variable}";
        return (0, $"could not load {string.Join(" or ", tried)} ({origin})");
    }
}
