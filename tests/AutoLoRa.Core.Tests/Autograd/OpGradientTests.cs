using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;
using static AutoLoRa.Core.Tests.Support.GradientCheck;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>Finite-difference checks of every differentiable operation's backward rule.</summary>
public sealed class OpGradientTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    [Theory]
    [InlineData(2, 3, 7, 6, 4, 3, 1, 1, true)]
    [InlineData(1, 2, 8, 9, 3, 3, 2, 1, false)]
    [InlineData(3, 1, 5, 5, 2, 1, 1, 0, true)]
    [InlineData(2, 3, 6, 7, 5, 1, 2, 0, false)]
    [InlineData(1, 2, 11, 9, 3, 7, 2, 3, false)]
    [InlineData(2, 2, 5, 5, 2, 3, 3, 0, true)]
    [InlineData(2, 16, 4, 8, 16, 3, 1, 1, true)] // Winograd F(4×4, 3×3), forward and data gradient
    public void Conv2d(int n, int c, int h, int w, int k, int r, int stride, int pad, bool bias)
    {
        var x = Leaf(_cpu, new Shape(n, c, h, w), 1);
        var wt = Leaf(_cpu, new Shape(k, c, r, r), 2);
        var b = bias ? Leaf(_cpu, new Shape(k), 3) : null;
        Tensor[] inputs = b is null ? [x, wt] : [x, wt, b];
        Check(t => Ops.Conv2d(t[0], t[1], b is null ? null : t[2], stride, pad), inputs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear(bool bias)
    {
        var x = Leaf(_cpu, new Shape(5, 7), 1);
        var w = Leaf(_cpu, new Shape(3, 7), 2);
        var b = bias ? Leaf(_cpu, new Shape(3), 3) : null;
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        Check(t => Ops.Linear(t[0], t[1], b is null ? null : t[2]), inputs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2d(bool training)
    {
        var x = Leaf(_cpu, new Shape(3, 4, 3, 5), 1, -2f, 3f);
        var gamma = Leaf(_cpu, new Shape(4), 2, 0.5f, 1.5f);
        var beta = Leaf(_cpu, new Shape(4), 3);
        var mean = Tensor.FromArray(_cpu, [0.1f, -0.2f, 0.3f, 0f], new Shape(4));
        var variance = Tensor.FromArray(_cpu, [0.5f, 1.5f, 2f, 0.8f], new Shape(4));
        Check(t => Ops.BatchNorm2d(t[0], t[1], t[2], mean, variance, training), [x, gamma, beta]);
    }

    [Theory]
    [InlineData(2, 3, 6, 5, 4, 3, 1, 1)]
    [InlineData(2, 2, 7, 7, 3, 1, 2, 0)]
    public void Conv2dBatchNormEval(int n, int c, int h, int w, int k, int r, int stride, int pad)
    {
        var x = Leaf(_cpu, new Shape(n, c, h, w), 1);
        var wt = Leaf(_cpu, new Shape(k, c, r, r), 2);
        var gamma = Leaf(_cpu, new Shape(k), 3, 0.5f, 1.5f);
        var beta = Leaf(_cpu, new Shape(k), 4);
        var mean = Leaf(_cpu, new Shape(k), 5);
        var variance = Leaf(_cpu, new Shape(k), 6, 0.5f, 2f);
        Check(t => Ops.Conv2dBatchNormEval(t[0], t[1], t[2], t[3], mean, variance, stride, pad), [x, wt, gamma, beta]);
    }

    [Fact]
    public void Conv2dBatchNormEval_equals_the_two_ops_in_sequence()
    {
        var x = Leaf(_cpu, new Shape(3, 4, 8, 8), 1);
        var wt = Leaf(_cpu, new Shape(6, 4, 3, 3), 2);
        var gamma = Leaf(_cpu, new Shape(6), 3, -1f, 2f);
        var beta = Leaf(_cpu, new Shape(6), 4);
        var mean = Leaf(_cpu, new Shape(6), 5);
        var variance = Leaf(_cpu, new Shape(6), 6, 0.1f, 3f);
        var fused = Ops.Conv2dBatchNormEval(x, wt, gamma, beta, mean, variance, 1, 1).ToArray();
        var composed = Ops.BatchNorm2d(Ops.Conv2d(x, wt, null, 1, 1), gamma, beta, mean, variance, training: false).ToArray();
        TestData.AssertClose(composed, fused, 1e-5f, 1e-5f, "fused vs composed");
    }

    [Fact]
    public void Relu() =>
        Check(t => Ops.Relu(t[0]), [SeparatedLeaf(_cpu, new Shape(2, 3, 4, 5), 1)]);

    /// <summary>a's values at least 0.01 from zero and |b| ≤ 0.0042, so a + b stays clear of the kink by more than the step.</summary>
    [Fact]
    public void AddRelu() =>
        Check(t => Ops.AddRelu(t[0], t[1]), [SeparatedLeaf(_cpu, new Shape(3, 7), 1), SeparatedLeaf(_cpu, new Shape(3, 7), 2, gap: 4e-4f)]);

    /// <summary>
    /// Both inputs' gradients flow on into one leaf (x and 2x), so they are accumulated: each input
    /// must get storage of its own. x's values are at least 0.01 from zero, so 3x clears the kink.
    /// </summary>
    [Fact]
    public void AddRelu_gradients_of_both_inputs_flowing_into_one_leaf() =>
        Check(t => Ops.AddRelu(Ops.Scale(t[0], 2f), t[0]), [SeparatedLeaf(_cpu, new Shape(3, 7), 3)]);

    [Fact]
    public void AddSubtractScaleMultiply()
    {
        var a = Leaf(_cpu, new Shape(3, 7), 1);
        var b = Leaf(_cpu, new Shape(3, 7), 2);
        Check(t => Ops.Add(t[0], t[1]), [a, b]);
        Check(t => Ops.Subtract(t[0], t[1]), [a, b]);
        Check(t => Ops.Scale(t[0], -2.5f), [a]);
        Check(t => Ops.Multiply(t[0], t[1]), [a, b]);
    }

    [Fact]
    public void SameTensorUsedTwiceAccumulates()
    {
        var a = Leaf(_cpu, new Shape(4, 3), 1);
        Check(t => Ops.Add(t[0], t[0]), [a]);
        Check(t => Ops.Multiply(t[0], t[0]), [a]);
    }

    [Fact]
    public void GlobalAvgPool() =>
        Check(t => Ops.GlobalAvgPool(t[0]), [Leaf(_cpu, new Shape(2, 3, 5, 4), 1)]);

    [Theory]
    [InlineData(3, 2, 1, 9, 7)]
    [InlineData(2, 2, 0, 6, 8)]
    [InlineData(3, 1, 1, 5, 5)]
    public void MaxPool2d(int kernel, int stride, int pad, int h, int w) =>
        Check(t => Ops.MaxPool2d(t[0], kernel, stride, pad), [SeparatedLeaf(_cpu, new Shape(2, 2, h, w), 1)]);

    [Theory]
    [InlineData(2, 2, 0, 6, 8)]
    [InlineData(3, 1, 1, 5, 5)]
    [InlineData(3, 2, 1, 7, 6)]
    public void AvgPool2d(int kernel, int stride, int pad, int h, int w) =>
        Check(t => Ops.AvgPool2d(t[0], kernel, stride, pad), [Leaf(_cpu, new Shape(2, 3, h, w), 1)]);

    [Theory]
    [InlineData(3, 4, 7, 9)] // upsampling by odd ratios
    [InlineData(6, 5, 4, 3)] // downsampling
    [InlineData(2, 2, 5, 2)] // up in one axis, same in the other
    public void ResizeBilinear(int h, int w, int outH, int outW) =>
        Check(t => Ops.Resize(t[0], outH, outW, ResizeMode.Bilinear), [Leaf(_cpu, new Shape(2, 3, h, w), 1)]);

    [Theory]
    [InlineData(3, 4, 7, 9)]
    [InlineData(6, 5, 4, 3)]
    public void ResizeNearest(int h, int w, int outH, int outW) =>
        Check(t => Ops.Resize(t[0], outH, outW, ResizeMode.Nearest), [Leaf(_cpu, new Shape(2, 3, h, w), 1)]);

    [Fact]
    public void ReshapeAndFlatten()
    {
        var x = Leaf(_cpu, new Shape(2, 3, 2, 2), 1);
        Check(t => Ops.Multiply(Ops.Flatten(t[0]), Ops.Reshape(t[0], new Shape(2, 12))), [x]);
    }

    [Fact]
    public void RowsAndConcatRows()
    {
        var x = Leaf(_cpu, new Shape(5, 2, 3, 2), 1);
        var y = Leaf(_cpu, new Shape(2, 2, 3, 2), 2);
        Check(t => Ops.Rows(t[0], 1, 3), [x]);
        Check(t => Ops.ConcatRows(t[0], t[1]), [x, y]);
        // Split and rejoined with different weights per part, as a twin batch-norm does.
        Check(t => Ops.ConcatRows(Ops.Scale(Ops.Rows(t[0], 0, 2), 2f), Ops.Scale(Ops.Rows(t[0], 2, 3), -0.5f)), [x]);
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

    [Fact]
    public void LogSoftmax() =>
        Check(t => Ops.LogSoftmax(t[0]), [Leaf(_cpu, new Shape(4, 5), 1, -3f, 3f)]);

    [Fact]
    public void CrossEntropy()
    {
        var logits = Leaf(_cpu, new Shape(5, 4), 1, -3f, 3f);
        var labels = Tensor.FromLabels(_cpu, [0, 3, 1, 1, 2]);
        Check(t => Ops.CrossEntropy(t[0], labels), [logits]);
    }

    [Fact]
    public void KlDivergenceToBothArguments()
    {
        var target = Leaf(_cpu, new Shape(4, 6), 1, -2f, 2f);
        var input = Leaf(_cpu, new Shape(4, 6), 2, -2f, 2f);
        Check(t => Ops.KlDivergence(t[0], t[1]), [target, input]);
    }

    [Fact]
    public void LoraMerge()
    {
        // A conv weight (K=4, C=3, 3, 3) with k = 3: B (K·k = 12, r·k = 6), A (r·k = 6, C·k = 9).
        var w = Leaf(_cpu, new Shape(4, 3, 3, 3), 1);
        var b = Leaf(_cpu, new Shape(12, 6), 2);
        var a = Leaf(_cpu, new Shape(6, 9), 3);
        Check(t => Ops.LoraMerge(t[0], t[1], t[2], 0.5f), [w, b, a]);
    }

    [Fact]
    public void SumAndMean()
    {
        var x = Leaf(_cpu, new Shape(3, 5), 1);
        Check(t => Ops.Sum(t[0]), [x]);
        Check(t => Ops.Mean(t[0]), [x]);
    }

    [Fact]
    public void ResidualBlockComposition()
    {
        // conv → BN(train) → relu → conv → BN → + skip → relu → pool → linear → CE: every pending
        // gradient path, including the fan-out of x into the skip connection.
        var x = Leaf(_cpu, new Shape(2, 3, 6, 6), 1);
        var w1 = Leaf(_cpu, new Shape(3, 3, 3, 3), 2, -0.5f, 0.5f);
        var w2 = Leaf(_cpu, new Shape(3, 3, 3, 3), 3, -0.5f, 0.5f);
        var gamma = Leaf(_cpu, new Shape(3), 4, 0.5f, 1.5f);
        var beta = Leaf(_cpu, new Shape(3), 5);
        var fc = Leaf(_cpu, new Shape(4, 3), 6);
        var mean = Tensor.Zeros(_cpu, new Shape(3));
        var variance = Tensor.Full(_cpu, new Shape(3), 1f);
        var labels = Tensor.FromLabels(_cpu, [1, 3]);
        Check(t =>
        {
            var h = Ops.Relu(Ops.BatchNorm2d(Ops.Conv2d(t[0], t[1], padding: 1), t[3], t[4], mean, variance, training: true));
            h = Ops.BatchNorm2d(Ops.Conv2d(h, t[2], padding: 1), t[3], t[4], mean, variance, training: true);
            var pooled = Ops.GlobalAvgPool(Ops.Relu(Ops.Add(h, t[0])));
            return Ops.CrossEntropy(Ops.Linear(pooled, t[5]), labels);
        }, [x, w1, w2, gamma, beta, fc], rtol: 3e-2f, atol: 3e-3f);
    }
}
