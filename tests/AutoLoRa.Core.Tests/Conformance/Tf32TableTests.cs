using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu;
using AutoLoRa.Verify;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The verification table's matrix-product cases — every case with an output whose tolerance has a
/// TF32 bound: GEMMs, convolutions, the LoRA merge — on the backend a sealed subclass opens in TF32.
/// Each output is held to its FP32 bound plus TF32's input rounding, (2u + u²)·k·max|a·b| with
/// u = 2^-11 and k the sum's length (<see cref="Tolerance.WithTf32Products"/>).
/// </summary>
public abstract class Tf32TableTests(Func<Backend> open)
{
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
        using var candidate = open();
        using var cpu = new CpuBackend();
        // A backend that quietly fell back to FP32 would pass every case; it must really be TF32.
        Assert.Equal(MatrixPrecision.Tf32, candidate.Precision);
        var outcome = new CaseRunner(candidate, cpu).Check(VerificationTable.Find(name));
        Assert.True(outcome.Passed, $"{name}: {outcome.Detail}");
    }
}
