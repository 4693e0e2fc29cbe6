using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The verification table's matrix-product cases (every case with an output whose tolerance has a
/// TF32 bound: GEMMs, convolutions, the LoRA merge) on a backend of a sealed subclass that computes
/// its GEMMs and convolutions in TF32. Each output is held to its FP32 bound plus the TF32
/// input-rounding bound, (2u + u²)·k·max|a·b| with u = 2^-11 and k the sum's length
/// (<see cref="Tolerance.WithTf32Products"/>).
/// </summary>
public abstract class Tf32TableTests(Backend backend) : IDisposable
{
    private readonly CpuBackend _reference = new();

    /// <summary>The names of the cases some of whose outputs a matrix product computes.</summary>
    public static TheoryData<string> Cases() =>
    [
        .. VerificationTable.All.OfType<PrimitiveCase>()
            .Where(c => c.Buffers.Checked.Any(o => o.Tolerance.UnderTf32 is not null))
            .Select(c => c.Name),
    ];

    [BackendTheory]
    [MemberData(nameof(Cases))]
    public void Case_holds_under_tf32(string name)
    {
        // A backend that quietly fell back to FP32 would pass every case; it must really be TF32.
        Assert.Equal(MatrixPrecision.Tf32, backend.Precision);
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
