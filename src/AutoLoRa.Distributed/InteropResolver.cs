using System.Reflection;
using System.Runtime.InteropServices;
using AutoLoRa.Distributed.Interop;

namespace AutoLoRa.Distributed;

/// <summary>
/// The one DllImportResolver of AutoLoRa.Distributed.Interop (a second registration throws): it maps
/// the logical names of its declarations to the libraries <see cref="MpiLibrary"/> and
/// <see cref="NcclLibrary"/> have loaded, whichever is loaded first.
/// </summary>
internal static class InteropResolver
{
    private static readonly Lock Gate = new();
    private static bool _registered;

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            NativeLibrary.SetDllImportResolver(typeof(Mpi).Assembly, Resolve);
            _registered = true;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        Mpi.Library => MpiLibrary.Handle,
        Nccl.Library => NcclLibrary.Handle,
        _ => 0,
    };
}
