using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;
using static AutoLoRa.Verify.GradientLeaves;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>
/// What ops compute forwards where a gradient case cannot show it: a fused op against the ops it
/// fuses, and rows of labels and images copied as values. The backward rules are checked by the
/// verification table's gradient cases (Conformance/GradientTableTests.cs).
/// </summary>
public sealed class OpValueTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    [Fact]
    public void Conv2dBatchNormEval_equals_the_two_ops_in_sequence()
    {
        var x = Uniform(_cpu, new Shape(3, 4, 8, 8), 1);
        var wt = Uniform(_cpu, new Shape(6, 4, 3, 3), 2);
        var gamma = Uniform(_cpu, new Shape(6), 3, -1f, 2f);
        var beta = Uniform(_cpu, new Shape(6), 4);
        var mean = Uniform(_cpu, new Shape(6), 5);
        var variance = Uniform(_cpu, new Shape(6), 6, 0.1f, 3f);
        var fused = Ops.Conv2dBatchNormEval(x, wt, gamma, beta, mean, variance, 1, 1).ToArray();
        var composed = Ops.BatchNorm2d(Ops.Conv2d(x, wt, null, 1, 1), gamma, beta, mean, variance, training: false).ToArray();
        TestData.AssertClose(composed, fused, 1e-5f, 1e-5f, "fused vs composed");
    }

    [Fact]
    public void Conv2dBatchNormReluEval_equals_the_relu_of_the_fold()
    {
        var x = Uniform(_cpu, new Shape(3, 4, 8, 8), 1);
        var conv = ConvBatchNormEval.Fold(Uniform(_cpu, new Shape(6, 4, 3, 3), 2), Uniform(_cpu, new Shape(6), 3, -1f, 2f),
            Uniform(_cpu, new Shape(6), 4), Uniform(_cpu, new Shape(6), 5), Uniform(_cpu, new Shape(6), 6, 0.1f, 3f), 1, 1);
        var fused = Ops.Conv2dBatchNormReluEval(x, conv).ToArray();
        var composed = Ops.Relu(Ops.Conv2dBatchNormEval(x, conv)).ToArray();
        Assert.Contains(composed, v => v == 0f);
        TestData.AssertClose(composed, fused, 1e-6f, 1e-6f, "fused vs composed");
    }

    [Fact]
    public void RowsCopiesValuesOfLabelsAndImages()
    {
        var labels = Tensor.FromLabels(_cpu, [4, 1, 7, 2]);
        Assert.Equal([7, 2], Ops.Rows(labels, 2, 2).ToIntArray());
        var x = Tensor.FromArray(_cpu, Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), new Shape(3, 2, 2));
        var joined = Ops.ConcatRows(Ops.Rows(x, 2, 1), Ops.Rows(x, 0, 1));
        Assert.Equal(new Shape(2, 2, 2), joined.Shape);
        Assert.Equal([8f, 9f, 10f, 11f, 0f, 1f, 2f, 3f], joined.ToArray());
        Assert.Throws<ArgumentException>(() => Ops.Rows(x, 2, 2));
        Assert.Throws<ArgumentException>(() => Ops.ConcatRows(x, Tensor.Zeros(_cpu, new Shape(1, 2, 3))));
    }
}
