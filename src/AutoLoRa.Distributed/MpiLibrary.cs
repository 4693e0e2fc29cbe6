using System.Runtime.InteropServices;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed;

/// <summary>
/// Finds Open MPI's libmpi for the interop assembly (its one DllImportResolver) and reads the
/// predefined handles, which Open MPI exports as data symbols. Another MPI (MPICH's libmpi.so.12
/// family, whose handles are integers) or none at all is reported with what to install or set,
/// before any MPI function is called.
/// </summary>
internal static class MpiLibrary
{
    /// <summary>A path or file name that replaces the search below.</summary>
    public const string Variable = "AUTOLORA_LIBMPI";

    /// <summary>Open MPI 3.x–5.x's soname, then the development symlink.</summary>
    private static readonly string[] Candidates = ["libmpi.so.40", "libmpi.so"];

    private static readonly Lock Gate = new();
    private static nint _handle;
    private static string? _path;

    /// <summary>The loaded library and its predefined handles; throws <see cref="DistributedException"/> naming the fix when there is none.</summary>
    public static MpiHandles Load()
    {
        lock (Gate)
        {
            if (_handle == 0)
            {
                (_handle, _path) = Open();
                InteropResolver.EnsureRegistered();
            }
            return ReadHandles(_handle, _path!);
        }
    }

    /// <summary>The loaded library, or 0 before <see cref="Load"/>.</summary>
    internal static nint Handle => _handle;

    private static (nint Handle, string Path) Open()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new DistributedException("Data-parallel runs need Open MPI's libmpi.so.40, which AutoLoRa binds on Linux only.");
        }
        string? chosen = Environment.GetEnvironmentVariable(Variable);
        var names = string.IsNullOrEmpty(chosen) ? Candidates : [chosen];
        var failures = new List<string>();
        foreach (var name in names)
        {
            try
            {
                return (NativeLibrary.Load(name), name);
            }
            catch (DllNotFoundException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }
        throw new DistributedException(
            $"This process was started by mpirun, but Open MPI's library does not load ({string.Join("; ", failures)}). " +
            $"Install it (Debian: apt-get install openmpi-bin libopenmpi-dev) or set {Variable} to the path of Open MPI's libmpi.so.40.");
    }

    private static MpiHandles ReadHandles(nint library, string path)
    {
        nint Symbol(string name) => NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new DistributedException(
                $"{path} is not Open MPI's libmpi: it exports no '{name}'. AutoLoRa binds Open MPI's ABI (3.x–5.x, libmpi.so.40) only; " +
                $"MPICH, Intel MPI and MVAPICH use another. Launch with Open MPI's mpirun, or set {Variable} to Open MPI's libmpi.so.40.");
        return new MpiHandles(
            Symbol(Mpi.Symbols.CommWorld), Symbol(Mpi.Symbols.Float), Symbol(Mpi.Symbols.Double), Symbol(Mpi.Symbols.Long),
            Symbol(Mpi.Symbols.Byte), Symbol(Mpi.Symbols.OpSum), Symbol(Mpi.Symbols.OpMax), Symbol(Mpi.Symbols.ErrorsReturn));
    }
}

/// <summary>Open MPI's predefined handles (addresses of its exported globals).</summary>
internal readonly record struct MpiHandles(nint CommWorld, nint Float, nint Double, nint Long, nint Byte, nint Sum, nint Max, nint ErrorsReturn);
