using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The cases of the <see cref="VerificationTable"/> whose reference is the CPU backend, one theory
/// row each, on the backend of a sealed subclass. The CPU backend itself has no such subclass: it
/// cannot be checked against itself (its rows are the cases with a plain reference).
/// </summary>
public abstract class CpuReferenceTableTests(Backend backend) : IDisposable
{
    private readonly CpuBackend _reference = new();

    /// <summary>The names of the cases checked against the CPU backend.</summary>
    public static TheoryData<string> Cases() => [.. VerificationTable.All.Where(c => c.NeedsReferenceBackend).Select(c => c.Name)];

    [BackendTheory]
    [MemberData(nameof(Cases))]
    public void Case_matches_the_cpu_backend(string name)
    {
        var outcome = new CaseRunner(backend, _reference).Check(VerificationTable.Find(name));
        Assert.True(outcome.Passed, $"{name}: {outcome.Detail}");
    }

    public void Dispose()
    {
        backend.Dispose();
        _reference.Dispose();
        GC.SuppressFinalize(this);
    }
}
