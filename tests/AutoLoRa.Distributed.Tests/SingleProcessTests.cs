using AutoLoRa.Core;
using AutoLoRa.Cpu;

namespace AutoLoRa.Distributed.Tests;

/// <summary>One process: collectives leave their inputs alone, and averaging through backward changes no gradient bit.</summary>
public sealed class SingleProcessTests
{
    [Fact]
    public void Collectives_of_one_rank_return_their_input()
    {
        var c = SingleProcess.Instance;
        Span<double> d = [1.5, -2];
        c.AllReduceSum(d, "d");
        Assert.Equal([1.5, -2], d.ToArray());
        var all = new byte[3];
        c.AllGather([1, 2, 3], all, "bytes");
        Assert.Equal([1, 2, 3], all);
        Assert.True(c.StartAllReduceSum(new float[2], "f").Test());
        Assert.Equal(3f, c.FromRoot(() => 3f, "value"));
    }

    [Fact]
    public void A_backward_through_a_one_rank_averager_gives_the_plain_backward_gradients()
    {
        using var cpu = new CpuBackend();
        var rng = new Random(2);
        var w = Tensor.FromArray(cpu, [.. Enumerable.Range(0, 30).Select(_ => (float)rng.NextDouble())], new Shape(3, 10));
        var x = Tensor.FromArray(cpu, [.. Enumerable.Range(0, 40).Select(_ => (float)rng.NextDouble())], new Shape(4, 10));
        w.RequiresGrad = true;
        var labels = Tensor.FromLabels(cpu, [0, 1, 2, 1]);
        float[] Grad(GradientAverager? averager)
        {
            using var scope = TensorScope.Begin();
            w.ZeroGrad();
            Ops.CrossEntropy(Ops.Linear(x, w), labels).Backward(averager);
            averager?.Complete();
            return w.Grad!.ToArray();
        }
        var plain = Grad(null);
        Assert.Equal(plain, Grad(new GradientAverager(SingleProcess.Instance, [w], bucketBytes: 8)));
    }
}
