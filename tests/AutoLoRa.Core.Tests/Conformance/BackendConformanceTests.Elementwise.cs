using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// Elementwise primitives and reductions refuse short operands. Their values against plain loops
/// are the verification table's (AutoLoRa.Verify's ElementwiseReferenceCases).
/// </summary>
public abstract partial class BackendConformanceTests
{
    [BackendFact]
    public void Elementwise_primitives_reject_a_short_operand()
    {
        const int n = 10;
        using var s = new Scope(this);
        var full = s.Filled(n, 1);
        var other = s.Filled(n, 2);
        var shortBuffer = s.Filled(n - 1, 3);
        var e = Assert.Throws<BackendException>(() => Backend.Axpby(n, 1f, full, 1f, shortBuffer, other));
        Assert.Contains("Axpby: b has 9 elements, expected 10", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.Relu(n, full, shortBuffer));
        Assert.Contains("Relu: y has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.ReluBackward(n, full, shortBuffer, other));
        Assert.Contains("ReluBackward: dy has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.PgdStep(n, full, other, shortBuffer, 0.1f, 0.3f, full));
        Assert.Contains("PgdStep: x0 has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.SgdMomentumUpdate(n, full, other, shortBuffer, 0.1f, 0.9f, 0f));
        Assert.Contains("SgdMomentumUpdate: velocity has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.LogSoftmax(2, 5, full, shortBuffer));
        Assert.Contains("LogSoftmax: y has 9 elements, expected 10", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.AddBias(2, 3, 2, full, s.Filled(3, 0)));
        Assert.Contains("AddBias: y has 10 elements, expected 12", e.Message);
        Assert.Throws<BackendException>(() => Backend.Sum(n, shortBuffer, other));
        e = Assert.Throws<BackendException>(() => Backend.Scale(-1, 1f, full, other));
        Assert.Contains("negative length", e.Message);
        // Nothing was written by the rejected calls.
        Assert.All(Download(other), v => Assert.Equal(2f, v));
    }
}
