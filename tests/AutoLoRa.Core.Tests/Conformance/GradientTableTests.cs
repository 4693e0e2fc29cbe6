using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu;
using AutoLoRa.Verify;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// Every op's finite-difference gradient case of the <see cref="VerificationTable"/>, one theory row
/// each, on the backend of a sealed subclass: the tape's backward rules, run by that backend's primitives.
/// </summary>
public abstract class GradientTableTests(Backend backend) : IDisposable
{
    private readonly TensorScope _scope = TensorScope.Begin();

    public static TheoryData<string> Cases() => [.. VerificationTable.Gradients.Select(c => c.Name)];

    [BackendTheory]
    [MemberData(nameof(Cases))]
    public void Tape_gradient_matches_finite_differences(string name)
    {
        var result = VerificationTable.Gradients.Single(c => c.Name == name).Run(backend);
        Assert.True(result.ElementsChecked > 0, "No gradient element was checked.");
        Assert.True(result.Passed, result.ToString());
    }

    public void Dispose()
    {
        _scope.Dispose();
        backend.Dispose();
        GC.SuppressFinalize(this);
    }
}

[Trait("Backend", "cpu")]
public sealed class CpuGradientTableTests() : GradientTableTests(new CpuBackend())
{
    [Fact]
    public void Case_names_are_unique() =>
        Assert.Equal(VerificationTable.Gradients.Count, VerificationTable.Gradients.Select(c => c.Name).Distinct().Count());
}
