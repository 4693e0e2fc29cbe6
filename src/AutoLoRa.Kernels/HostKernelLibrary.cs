using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace AutoLoRa.Kernels;

/// <summary>
/// The host emulation build of kernels/*.cu (libautolora_kernels_host), which runs CUDA kernels
/// on CPU threads. Each kernel <c>k</c> is exported as <c>autolora_emu_k</c> and takes the launch
/// shape plus the same <c>void**</c> argument array as cuLaunchKernel (args[i] points at the
/// i-th argument's value), so launch code is shared with the real CUDA runtime. Launches are
/// synchronous. The library is loaded once per process and never unloaded.
/// </summary>
public sealed unsafe class HostKernelLibrary
{
    private static readonly Lazy<(HostKernelLibrary? Library, string WhyNot)> Shared = new(LoadOnce);

    private readonly nint _handle;
    private readonly delegate* unmanaged<byte*> _lastError;
    private readonly ConcurrentDictionary<string, nint> _entries = new(StringComparer.Ordinal);

    private HostKernelLibrary(nint handle, string path)
    {
        _handle = handle;
        Path = path;
        _lastError = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(handle, "autolora_emu_last_error");
    }

    /// <summary>File name of the library on this OS.</summary>
    public static string FileName =>
        OperatingSystem.IsWindows() ? "autolora_kernels_host.dll"
        : OperatingSystem.IsMacOS() ? "libautolora_kernels_host.dylib"
        : "libautolora_kernels_host.so";

    /// <summary>Where the library was loaded from.</summary>
    public string Path { get; }

    /// <summary>Loads the library (once per process) from the application's folder or the app's native asset folders.</summary>
    public static bool TryLoad([NotNullWhen(true)] out HostKernelLibrary? library, out string whyNot)
    {
        (library, whyNot) = Shared.Value;
        return library is not null;
    }

    /// <summary>Like <see cref="TryLoad"/>, but throws <see cref="KernelException"/> with the reason.</summary>
    public static HostKernelLibrary Load() =>
        TryLoad(out var library, out var whyNot) ? library : throw new KernelException(whyNot);

    /// <summary>True when the library exports an emulated entry for <paramref name="kernel"/>.</summary>
    public bool HasKernel(string kernel) => TryGetEntry(kernel, out _);

    /// <summary>
    /// Runs <paramref name="kernel"/> to completion. <paramref name="args"/> follows cuLaunchKernel:
    /// one pointer per kernel parameter, pointing at that parameter's value.
    /// </summary>
    public void Launch(string kernel, (uint X, uint Y, uint Z) grid, (uint X, uint Y, uint Z) block, uint sharedBytes, void** args)
    {
        if (!TryGetEntry(kernel, out var entry))
        {
            throw new KernelException($"Kernel '{kernel}' is not in {Path} (no export autolora_emu_{kernel}); " +
                                      "is it defined in kernels/*.cu with an AUTOLORA_HOST_ENTRY line?");
        }
        var launch = (delegate* unmanaged<uint, uint, uint, uint, uint, uint, uint, void**, int>)entry;
        int status = launch(grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedBytes, args);
        if (status != 0)
        {
            // The error text is thread-local in the library, so read it on this thread right away.
            string detail = Marshal.PtrToStringUTF8((nint)_lastError()) ?? "";
            throw new KernelException($"Emulated launch of '{kernel}' failed (status {status}): {detail}");
        }
    }

    /// <summary>
    /// The order in which every block's threads take turns between barriers, for this process's
    /// later launches. A GPU promises no order, so a kernel whose results change with it has a race.
    /// </summary>
    public void SetThreadOrder(EmulatedThreadOrder order, uint seed = 0)
    {
        if (!NativeLibrary.TryGetExport(_handle, "autolora_emu_set_thread_order", out var setter))
        {
            throw new KernelException($"{Path} has no autolora_emu_set_thread_order: rebuild the kernels (dotnet build runs CMake).");
        }
        if (((delegate* unmanaged<int, uint, int>)setter)((int)order, seed) != 0) throw new ArgumentOutOfRangeException(nameof(order), order, null);
    }

    /// <summary>
    /// How the host build computes exp and log in this process's later launches: 0 (the default)
    /// with the host's libm; n &gt; 0 as the device build does (ex2.approx of x·log2 e, lg2.approx
    /// times ln 2, each product rounded to float) with ex2.approx and lg2.approx off by n times their
    /// documented maximum error (kernels/emulation/device_math.cpp). A bound derived from those
    /// errors must hold at 1 and, if it is tight, fail at some larger n.
    /// </summary>
    public void SetDeviceMath(int errorScale)
    {
        if (!NativeLibrary.TryGetExport(_handle, "autolora_emu_set_device_math", out var setter))
        {
            throw new KernelException($"{Path} has no autolora_emu_set_device_math: rebuild the kernels (dotnet build runs CMake).");
        }
        if (((delegate* unmanaged<int, int>)setter)(errorScale) != 0) throw new ArgumentOutOfRangeException(nameof(errorScale), errorScale, "must be 0 or more");
    }

    /// <summary>
    /// Launches this process has run through the library so far (failed ones included), so a test can
    /// tell a case that launched kernels from one that ran only library code.
    /// </summary>
    public ulong LaunchCount => NativeLibrary.TryGetExport(_handle, "autolora_emu_launch_count", out var counter)
        ? ((delegate* unmanaged<ulong>)counter)()
        : throw new KernelException($"{Path} has no autolora_emu_launch_count: rebuild the kernels (dotnet build runs CMake).");

    private bool TryGetEntry(string kernel, out nint entry)
    {
        if (_entries.TryGetValue(kernel, out entry)) return true;
        if (!NativeLibrary.TryGetExport(_handle, "autolora_emu_" + kernel, out entry)) return false;
        _entries[kernel] = entry;
        return true;
    }

    private static (HostKernelLibrary?, string) LoadOnce()
    {
        var folders = SearchFolders();
        string? path = folders.Select(f => System.IO.Path.Combine(f, FileName)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            return (null, $"{FileName} is not in {string.Join(" or ", folders)}: the kernels build (cmake and a C++ compiler, " +
                          "run by src/AutoLoRa.Kernels) did not produce it, or this machine's runtime is not the one the " +
                          "AutoLoRa.Kernels package was packed on. Install them (apt-get install -y clang llvm cmake g++) and rebuild.");
        }
        try
        {
            nint handle = NativeLibrary.Load(path);
            return (new HostKernelLibrary(handle, path), "");
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            return (null, $"Could not load {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Where the library may be: the application's folder (a build of this repository copies it there,
    /// and so does a RID-specific publish), then the native folders the host read from the app's
    /// deps.json — where a portable app that uses the AutoLoRa.Kernels package finds its
    /// runtimes/&lt;rid&gt;/native/ assets.
    /// </summary>
    private static List<string> SearchFolders()
    {
        var folders = new List<string> { AppContext.BaseDirectory };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string native)
        {
            folders.AddRange(native.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return [.. folders.Select(f => System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(f))).Distinct(StringComparer.Ordinal)];
    }
}
