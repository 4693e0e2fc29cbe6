using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Cpu;
using static AutoLoRa.Verify.GradientLeaves;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>
/// ReLU masks passed between backward rules (<see cref="ReluMasks"/>): a stem and two residual blocks
/// in eval mode, as an attack runs them, against the same network from unfused ops (Relu, AddRelu and
/// their backward passes), whose gradients involve no masking. The fused chain must give the same
/// gradients while the inner blocks' ReLU backward passes disappear. It must also give the same gradients
/// where the engine may not mask: a ReLU output that is a target, or one with a second consumer. And
/// the training-mode ops (Relu, AddRelu, Conv2d) against the same sweep with masking ruled out.
/// </summary>
public sealed class ReluMaskTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();
    private readonly Tensor _x;
    private readonly Conv _stem;
    private readonly Conv _first1;
    private readonly Conv _second1;
    private readonly Conv _first2;
    private readonly Conv _second2;
    private readonly Conv _projection2;
    private readonly Tensor _weights;

    public ReluMaskTests()
    {
        _x = Uniform(_cpu, new Shape(2, 3, 8, 8), 1);
        _x.RequiresGrad = true;
        _stem = NewConv(4, 3, 3, 10, stride: 1, padding: 1);
        _first1 = NewConv(4, 4, 3, 20, stride: 1, padding: 1);
        _second1 = NewConv(4, 4, 3, 30, stride: 1, padding: 1);
        _first2 = NewConv(6, 4, 3, 40, stride: 2, padding: 1);
        _second2 = NewConv(6, 6, 3, 50, stride: 1, padding: 1);
        _projection2 = NewConv(6, 4, 1, 60, stride: 2, padding: 0);
        _weights = Uniform(_cpu, new Shape(2, 6, 4, 4), 70);
    }

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    [Fact]
    public void A_chain_of_blocks_gives_the_unfused_gradients_with_one_relu_backward_pass()
    {
        var composed = LeafGradients(() => Loss(Composed(Stem(composed: true))));
        _cpu.Profiling = true;
        var profile = new OpProfile();
        float[][] fused;
        using (OpProfiler.Collect(profile)) fused = LeafGradients(() => Loss(Fused(Stem(composed: false))));

        AssertAllClose(composed, fused);
        // Only the last block's mask runs as a pass of its own: its output's consumer (here the loss's
        // multiply) writes no masked gradient. The stem's and the first block's masks are applied by
        // the blocks above them.
        Assert.Equal(1, profile.Entries.Where(e => e.Primitive == "ReluBackward").Sum(e => e.Calls));
    }

    [Fact]
    public void A_relu_output_asked_for_as_a_target_gets_its_own_gradient_not_the_masked_one()
    {
        var (composedX, composedStem) = InputAndStemGradients(composed: true);
        var (fusedX, fusedStem) = InputAndStemGradients(composed: false);
        TestData.AssertClose(composedStem, fusedStem, 1e-4f, 1e-5f, "d loss / d stem output");
        TestData.AssertClose(composedX, fusedX, 1e-4f, 1e-5f, "d loss / d x");
        // The stem's output is zero where the ReLU clipped; its gradient there is the block's, not 0.
        var stemOutput = Stem(composed: false).ToArray();
        Assert.Contains(Enumerable.Range(0, stemOutput.Length), i => stemOutput[i] == 0f && fusedStem[i] != 0f);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_relu_output_with_a_second_consumer_sums_masked_and_unmasked_gradients_exactly(bool blockFirst)
    {
        // The stem's output feeds the first block (which masks what it returns) and a product with fixed
        // weights (which does not): the sum must be masked once more by the stem's own rule, whichever
        // of the two contributions the sweep reaches first.
        var side = Uniform(_cpu, new Shape(2, 4, 8, 8), 80);
        var blockWeights = Uniform(_cpu, new Shape(2, 4, 8, 8), 90);
        Tensor Loss2(bool composed)
        {
            var s = Stem(composed);
            var block = composed ? ComposedBlock(s, _first1, _second1, null) : Ops.ResidualBlockEval(s, _first1.Fold, _second1.Fold);
            var throughBlock = Ops.Sum(Ops.Multiply(block, blockWeights));
            var direct = Ops.Sum(Ops.Multiply(s, side));
            return blockFirst ? Ops.Add(throughBlock, direct) : Ops.Add(direct, throughBlock);
        }
        Conv[] used = [_stem, _first1, _second1];
        AssertAllClose(LeafGradients(() => Loss2(composed: true), used), LeafGradients(() => Loss2(composed: false), used));
    }

    [Fact]
    public void Training_ops_pass_their_masks_and_give_the_gradient_of_the_unmasked_sweep()
    {
        // A training-mode block: a = relu(conv(x)), h = relu(conv(a)), y = add_relu(conv(h), conv₁ₓ₁(a)),
        // then two convolutions read y, as the next block's first convolution and projection do. Every
        // ReLU output's consumers are convolutions, which can mask what they return.
        Tensor Weight(int k, int c, int size, int seed)
        {
            var w = Uniform(_cpu, new Shape(k, c, size, size), seed);
            w.RequiresGrad = true;
            return w;
        }
        var (w0, w1, w2, wp, w3, w4) = (Weight(4, 3, 3, 101), Weight(4, 4, 3, 102), Weight(4, 4, 3, 103), Weight(4, 4, 1, 104), Weight(5, 4, 3, 105), Weight(5, 4, 1, 106));
        var (c3, c4) = (Uniform(_cpu, new Shape(2, 5, 8, 8), 107), Uniform(_cpu, new Shape(2, 5, 8, 8), 108));
        var a = Ops.Relu(Ops.Conv2d(_x, w0, null, 1, 1));
        var h = Ops.Relu(Ops.Conv2d(a, w1, null, 1, 1));
        var y = Ops.AddRelu(Ops.Conv2d(h, w2, null, 1, 1), Ops.Conv2d(a, wp));
        var loss = Ops.Add(Ops.Sum(Ops.Multiply(Ops.Conv2d(y, w3, null, 1, 1), c3)), Ops.Sum(Ops.Multiply(Ops.Conv2d(y, w4), c4)));

        _cpu.Profiling = true;
        var profile = new OpProfile();
        float[] masked;
        using (OpProfiler.Collect(profile)) masked = Backward.Grad(loss, _x).ToArray();
        // The ReLU outputs as targets too: then no consumer may mask them, and every ReLU runs its own pass.
        var unmasked = Backward.Grad(loss, _x, a, h, y)[0].ToArray();

        TestData.AssertClose(unmasked, masked, 1e-6f, 1e-7f, "d loss / d x");
        Assert.DoesNotContain(profile.Entries, e => e.Primitive is "ReluBackward" or "AddReluBackward");
    }

    private (float[] X, float[] Stem) InputAndStemGradients(bool composed)
    {
        var stem = Stem(composed);
        var grads = Backward.Grad(Loss(composed ? Composed(stem) : Fused(stem)), _x, stem);
        return (grads[0].ToArray(), grads[1].ToArray());
    }

    private Tensor Stem(bool composed) =>
        composed ? Ops.Relu(Ops.Conv2dBatchNormEval(_x, _stem.Fold)) : Ops.Conv2dBatchNormReluEval(_x, _stem.Fold);

    private Tensor Fused(Tensor stem) =>
        Ops.ResidualBlockEval(Ops.ResidualBlockEval(stem, _first1.Fold, _second1.Fold), _first2.Fold, _second2.Fold, _projection2.Fold);

    private Tensor Composed(Tensor stem) =>
        ComposedBlock(ComposedBlock(stem, _first1, _second1, null), _first2, _second2, _projection2);

    /// <summary>What <see cref="Ops.ResidualBlockEval"/> fuses, op by op.</summary>
    private static Tensor ComposedBlock(Tensor x, Conv first, Conv second, Conv? projection)
    {
        var h = Ops.Relu(Ops.Conv2dBatchNormEval(x, first.Fold));
        var shortcut = projection is null ? x : Ops.Conv2dBatchNormEval(x, projection.Fold);
        return Ops.AddRelu(Ops.Conv2dBatchNormEval(h, second.Fold), shortcut);
    }

    private Tensor Loss(Tensor y) => Ops.Sum(Ops.Multiply(y, _weights));

    /// <summary>The gradients of x and of each convolution's w, γ and β (by default every one's), from one backward pass over the loss.</summary>
    private float[][] LeafGradients(Func<Tensor> loss, params Conv[] convs)
    {
        if (convs.Length == 0) convs = [_stem, _first1, _second1, _first2, _second2, _projection2];
        var leaves = new[] { _x }.Concat(convs.SelectMany(c => c.Leaves)).ToArray();
        foreach (var leaf in leaves) leaf.ZeroGrad();
        loss().Backward();
        return leaves.Select(l => l.Grad!.ToArray()).ToArray();
    }

    private static void AssertAllClose(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) TestData.AssertClose(expected[i], actual[i], 1e-4f, 1e-5f, $"leaf {i}");
    }

    private Conv NewConv(int k, int c, int size, int seed, int stride, int padding)
    {
        var w = Uniform(_cpu, new Shape(k, c, size, size), seed);
        var gamma = Uniform(_cpu, new Shape(k), seed + 1, 0.5f, 1.5f);
        var beta = Uniform(_cpu, new Shape(k), seed + 2);
        foreach (var t in (Tensor[])[w, gamma, beta]) t.RequiresGrad = true;
        var fold = ConvBatchNormEval.Fold(w, gamma, beta, Uniform(_cpu, new Shape(k), seed + 3), Uniform(_cpu, new Shape(k), seed + 4, 0.5f, 2f), stride, padding);
        return new Conv(fold, [w, gamma, beta]);
    }

    private sealed record Conv(ConvBatchNormEval Fold, Tensor[] Leaves);
}
