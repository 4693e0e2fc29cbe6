using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;
using AutoLoRa.Verify;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// Verification cases on cuda-emu against the CPU backend under one of the host emulation's
/// process-wide settings (thread order, device math), which is put back after each check. The
/// tests using it share <see cref="EmulatedThreadOrderCollection"/>, so no other test sees the setting.
/// </summary>
internal sealed class EmulatedCaseChecks : IDisposable
{
    private readonly CudaBackend _emulated = new(new EmulatedRuntime());
    private readonly CpuBackend _reference = new();

    /// <summary>The host kernel library whose settings the checks change.</summary>
    public HostKernelLibrary Library { get; } = HostKernelLibrary.Load();

    /// <summary>Checks <paramref name="c"/> with <paramref name="apply"/> in force, then runs <paramref name="restore"/>.</summary>
    public CaseOutcome Check(VerificationCase c, Action<HostKernelLibrary> apply, Action<HostKernelLibrary> restore)
    {
        apply(Library);
        try
        {
            return new CaseRunner(_emulated, _reference).Check(c);
        }
        finally
        {
            restore(Library);
        }
    }

    public void Dispose()
    {
        _emulated.Dispose();
        _reference.Dispose();
    }
}
