using System.Runtime.InteropServices;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed;

/// <summary>
/// Opens NCCL for the interop assembly: <see cref="Variable"/> when set (a path or file name, such
/// as CI's stand-in), else NCCL 2's soname, then the development symlink. A missing library is
/// reported naming what was tried and the variable, before any NCCL function is called.
/// </summary>
public static class NcclLibrary
{
    /// <summary>A path or file name that replaces the search below.</summary>
    public const string Variable = "AUTOLORA_LIBNCCL";

    /// <summary>NCCL 2.x's soname (every 2.x release keeps the ABI), then the development symlink.</summary>
    private static readonly string[] Candidates = ["libnccl.so.2", "libnccl.so"];

    private static readonly Lock Gate = new();
    private static nint _handle;
    private static string? _description;

    /// <summary>The loaded library, or 0 before a successful <see cref="TryLoad"/>.</summary>
    internal static nint Handle => _handle;

    /// <summary>Loads NCCL once; false with the reason (what was tried, and how to override it) when it does not load. Never throws.</summary>
    public static bool TryLoad(out string description)
    {
        lock (Gate)
        {
            if (_handle == 0) (_handle, _description) = Open();
            description = _description!;
            if (_handle != 0) InteropResolver.EnsureRegistered();
            return _handle != 0;
        }
    }

    /// <summary>Loads NCCL, or throws <see cref="DistributedException"/> naming the library, what was tried and the fix.</summary>
    public static void Load()
    {
        if (!TryLoad(out var why)) throw new DistributedException($"The CUDA backend averages gradients with NCCL, which does not load: {why}.");
    }

    /// <summary>NCCL's version as "2.23.4" (ncclGetVersion's code: major·10000 + minor·100 + patch since 2.9).</summary>
    public static string Version()
    {
        int code = VersionCode();
        return code >= 10000 ? $"{code / 10000}.{code / 100 % 100}.{code % 100}" : $"{code / 1000}.{code / 100 % 10}.{code % 100}";
    }

    /// <summary>ncclGetVersion's code, as comparable numbers: 2.9 and later major·10000 + minor·100 + patch, earlier major·1000 + minor·100 + patch (so below 21000 either way).</summary>
    public static unsafe int VersionCode()
    {
        Load();
        int code;
        var status = Nccl.ncclGetVersion(&code);
        if (status != NcclResult.Success) throw new DistributedException($"ncclGetVersion failed: {ErrorText(status)}.");
        return code;
    }

    /// <summary>ncclGetErrorString's text and the result's name, e.g. "ncclRemoteError (6): remote process exited …".</summary>
    public static unsafe string ErrorText(NcclResult result) =>
        $"nccl{result} ({(int)result}): {Marshal.PtrToStringUTF8((nint)Nccl.ncclGetErrorString(result))}";

    private static (nint, string) Open()
    {
        if (!OperatingSystem.IsLinux()) return (0, "AutoLoRa binds NCCL (libnccl.so.2) on Linux only");
        string? chosen = Environment.GetEnvironmentVariable(Variable);
        var names = string.IsNullOrWhiteSpace(chosen) ? Candidates : [chosen];
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle)) return (handle, name);
        }
        return (0, string.IsNullOrWhiteSpace(chosen)
            ? $"could not load {string.Join(" or ", names)}; install NCCL 2 (NVIDIA's libnccl2 package) or set {Variable} to the path of libnccl.so.2"
            : $"could not load {chosen} (from {Variable})");
    }
}
