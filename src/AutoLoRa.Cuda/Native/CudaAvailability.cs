using System.Runtime.InteropServices;
using AutoLoRa.Cuda.Interop;

namespace AutoLoRa.Cuda;

/// <summary>
/// What the machine offers for the native CUDA backend, or why it cannot run. Available is true
/// when the driver, a device, cuBLAS and cuDNN are all usable; Reason reads "available: …" or
/// "unavailable: &lt;why&gt;"; the library fields name the files that were loaded.
/// </summary>
public sealed record CudaProbeResult(bool Available, string Reason, int DriverVersion, int DeviceCount,
    string? DriverLibrary, string? CuBlasLibrary, string? CuDnnLibrary);

/// <summary>Finds out, without crashing, whether the native CUDA runtime can be used here.</summary>
public static class CudaAvailability
{
    private static readonly Lazy<CudaProbeResult> Cached = new(ProbeOnce);

    /// <summary>The probe result (computed once per process).</summary>
    public static CudaProbeResult Probe() => Cached.Value;

    private static unsafe CudaProbeResult ProbeOnce()
    {
        NativeLibraries.EnsureRegistered();
        if (!NativeLibraries.TryLoad(NativeLibraries.CudaDriverName, out var driver))
        {
            return new(false, $"unavailable: CUDA driver: {driver}", 0, 0, null, null, null);
        }
        int version = 0, count = 0;
        try
        {
            Check.Driver(CudaDriver.cuDriverGetVersion(&version));
            Check.Driver(CudaDriver.cuInit(0));
            Check.Driver(CudaDriver.cuDeviceGetCount(&count));
        }
        catch (Exception e) when (e is CudaException or EntryPointNotFoundException or DllNotFoundException)
        {
            return new(false, $"unavailable: {driver}: {e.Message}", version, 0, driver, null, null);
        }
        if (count == 0) return new(false, $"unavailable: {driver} loaded but it reports no CUDA device", version, 0, driver, null, null);
        if (!NativeLibraries.TryLoad(NativeLibraries.CuBlasName, out var blas))
        {
            return new(false, $"unavailable: cuBLAS: {blas}", version, count, driver, null, null);
        }
        if (!NativeLibraries.TryLoad(NativeLibraries.CuDnnName, out var dnn))
        {
            return new(false, $"unavailable: cuDNN: {dnn}", version, count, driver, blas, null);
        }
        return new(true, $"available: {count} device(s), driver API {version / 1000}.{version % 1000 / 10} ({driver}, {blas}, {dnn})",
            version, count, driver, blas, dnn);
    }

    internal static void ThrowIfUnavailable()
    {
        var probe = Probe();
        if (!probe.Available) throw new CudaUnavailableException(probe.Reason);
    }
}

/// <summary>The native CUDA runtime was asked for on a machine that cannot run it.</summary>
public sealed class CudaUnavailableException(string reason) : Core.Backends.BackendException(reason);
