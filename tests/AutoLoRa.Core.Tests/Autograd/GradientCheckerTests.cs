using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using static AutoLoRa.Verify.GradientLeaves;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>The checker itself must catch the mistakes it exists for; otherwise every gradient test is hollow.</summary>
public sealed class GradientCheckerTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    /// <summary>y = 3x with a chosen (possibly wrong) backward factor.</summary>
    private static Tensor TripleWithBackwardFactor(Tensor x, float backwardFactor)
    {
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Scale(x.ElementCount, 3f, x.Buffer, y.Buffer);
        return GradMode.Record(y, "triple", [x], new FactorBackward(backwardFactor));
    }

    /// <summary>dx = factor · dy, whatever the forward computed.</summary>
    private readonly struct FactorBackward(float factor) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.Scale(x.ElementCount, factor, gy.Buffer, grads[0]!.Buffer);
        }
    }

    [Theory]
    [InlineData(3f, true)]
    [InlineData(-3f, false)]
    [InlineData(1f, false)]
    [InlineData(3.3f, false)]
    public void DetectsWrongSignsAndFactors(float backwardFactor, bool shouldPass)
    {
        var x = Uniform(_cpu, new Shape(4, 5), 1);
        var result = new GradientChecker().Check(t => TripleWithBackwardFactor(t[0], backwardFactor), [x]);
        Assert.Equal(shouldPass, result.Passed);
        Assert.Equal(20, result.ElementsChecked);
    }
}
