using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The cases of the <see cref="VerificationTable"/> with a plain reference (double-precision
/// arithmetic written in the case), one theory row each, on the backend of a sealed subclass —
/// the CPU backend included.
/// </summary>
public abstract class PlainReferenceTableTests(Backend backend) : IDisposable
{
    /// <summary>The names of the cases with a plain reference.</summary>
    public static TheoryData<string> Cases() => [.. VerificationTable.All.Where(c => !c.NeedsReferenceBackend).Select(c => c.Name)];

    [BackendTheory]
    [MemberData(nameof(Cases))]
    public void Case_matches_its_reference(string name)
    {
        var outcome = new CaseRunner(backend, reference: null).Check(VerificationTable.Find(name));
        Assert.True(outcome.Passed, $"{name}: {outcome.Detail}");
    }

    public void Dispose()
    {
        backend.Dispose();
        GC.SuppressFinalize(this);
    }
}

[Trait("Backend", "cpu")]
public sealed class CpuPlainReferenceTableTests() : PlainReferenceTableTests(new CpuBackend());

/// <summary>The table again with profiling on: a profiled primitive must compute exactly what it computes unprofiled.</summary>
[Trait("Backend", "cpu")]
public sealed class ProfiledCpuPlainReferenceTableTests() : PlainReferenceTableTests(new CpuBackend { Profiling = true });
