using AutoLoRa.Verify;
using Xunit.Abstractions;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// The verification table's bounds against the device's documented transcendental error: cuda-emu
/// with the host build's exp and log computed as the device build computes them, ex2.approx and
/// lg2.approx off by their documented maximum (kernels/emulation/device_math.cpp). Every case must
/// hold there — a bound derived from those errors covers a GPU at its documented worst — and each
/// case built on exp or log must fail once the error is made some multiple worse, or its bound
/// would let a broken exp through. Filter with <c>Emulation=device-math</c>.
/// </summary>
[Trait("Backend", "cuda-emu")]
[Trait("Emulation", "device-math")]
[Collection(EmulatedThreadOrderCollection.Name)]
public sealed class DeviceMathBoundTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The largest multiple of the documented error tried before a bound is called vacuous.</summary>
    private const int WorstScale = 4096;

    private readonly EmulatedCaseChecks _checks = new();

    /// <summary>The cases whose kernels compute exp or log, one per kernel or composition, at their largest shapes.</summary>
    public static TheoryData<string> TranscendentalCases() =>
    [
        "gelu exact and tanh n=4099",
        "softmax fwd and bwd 4×1000",
        "log_softmax_f32 9×1000",
        "log_softmax_backward_f32 9×1000",
        "softmax_ce_forward_f32 9×1000",
        "kl_forward_f32 9×1000",
        "kl_backward_f32 9×1000",
        "softmax cross-entropy 33×100",
        "kl divergence 20×37",
        // The ResNet's whole step: PGD's sign() turns a large enough exp error into a flipped pixel. The
        // vit-mini's step is left out: its exp feeds only softmax and GELU, and it still passed at 4096×.
        "autolora 2 steps",
    ];

    [Fact]
    public void Every_case_holds_with_exp_and_log_at_their_documented_worst()
    {
        var failures = new List<string>();
        foreach (var c in VerificationTable.All)
        {
            var outcome = CheckAt(1, c);
            if (!outcome.Passed) failures.Add($"{c.Name}: {outcome.Detail}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(TranscendentalCases))]
    public void A_device_with_a_worse_exp_or_log_fails_the_case(string name)
    {
        var c = VerificationTable.Find(name);
        var documented = CheckAt(1, c);
        Assert.True(documented.Passed, $"at the documented error: {documented.Detail}");
        for (int scale = 2; scale <= WorstScale; scale *= 2)
        {
            var outcome = CheckAt(scale, c);
            if (outcome.Passed) continue;
            // How much worse the device must be before the bound notices: the bound's slack, in units of the documented error.
            output.WriteLine($"{name}: holds at 1× the documented exp/log error ({documented.Detail}); fails at {scale}×: {outcome.Detail}");
            return;
        }
        Assert.Fail($"{name} still passes with exp and log {WorstScale} times worse than documented: its bound is too loose to catch a broken exp.");
    }

    public void Dispose() => _checks.Dispose();

    /// <summary>Checks <paramref name="c"/> with the device's exp and log off by <paramref name="scale"/> times their documented error, and puts libm back.</summary>
    private CaseOutcome CheckAt(int scale, VerificationCase c) =>
        _checks.Check(c, library => library.SetDeviceMath(scale), library => library.SetDeviceMath(0));
}
