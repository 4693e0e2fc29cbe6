using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Layers;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Nn.Tests;

/// <summary>
/// The eval-mode residual block (one op: ReLUs, residual add and their gradients in the
/// convolutions' output stages) against the layers in turn, on both branches; and the batch-norm
/// folds kept inside a <see cref="Module.FreezeWeights"/> scope, dropped between scopes.
/// </summary>
public sealed class EvalBlockTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    /// <summary>resnet-mini (identity and projection blocks) with LoRA, non-zero B and running statistics away from (0, 1).</summary>
    private Classifier Model()
    {
        var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, LoraRank: 2), seed: 3);
        var rng = new Random(9);
        foreach (var (_, conv) in model.Convolutions().Where(c => c.Conv.HasLora))
        {
            _cpu.Upload(Init.Normal(rng, conv.LoraB!.ElementCount, 0f, 0.05f), conv.LoraB.Buffer);
        }
        foreach (var (_, norm) in model.NamedModules().Where(m => m.Module is BatchNorm2d).Select(m => (m.Name, (BatchNorm2d)m.Module)))
        {
            _cpu.Upload(Init.Uniform(rng, norm.Channels, 0.3f), norm.RunningMean.Buffer);
            _cpu.Upload(Init.Uniform(rng, norm.Channels, 0.5f).Select(v => v + 1f).ToArray(), norm.RunningVar.Buffer);
        }
        return model;
    }

    private Tensor Images() =>
        Tensor.FromArray(_cpu, Init.Uniform(new Random(5), 2 * 3 * 8 * 8, 0.5f).Select(v => v + 0.5f).ToArray(), new Shape(2, 3, 8, 8));

    private static void Fuse(Classifier model, bool fused)
    {
        foreach (var (_, m) in model.NamedModules())
        {
            if (m is BasicBlock block) block.FusedInEval = fused;
        }
    }

    /// <summary>Logits, the input's gradient and every parameter's gradient (null where none arrives), from a CE loss.</summary>
    private (float[] Logits, float[] Dx, float[]?[] Grads) Run(Classifier model, Branch branch)
    {
        foreach (var p in model.Parameters()) p.ZeroGrad();
        var x = Images();
        x.RequiresGrad = true;
        var logits = model.Forward(x, branch);
        Ops.CrossEntropy(logits, Tensor.FromLabels(_cpu, [2, 0])).Backward();
        return (logits.ToArray(), x.Grad!.ToArray(), [.. model.Parameters().Select(p => p.Grad?.ToArray())]);
    }

    [Theory]
    [InlineData(Branch.Main)]
    [InlineData(Branch.Natural)]
    public void The_fused_block_equals_the_layers_in_turn_with_every_gradient(Branch branch)
    {
        using var model = Model();
        Assert.Contains(model.NamedModules(), m => m.Module is BasicBlock);
        model.Eval();
        var fused = Run(model, branch);
        Fuse(model, false);
        var layers = Run(model, branch);
        TestSupport.AssertClose(layers.Logits, fused.Logits, "logits");
        TestSupport.AssertClose(layers.Dx, fused.Dx, "dx");
        var names = model.NamedParameters().Select(p => p.Name).ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            // AutoLoRa's split: the natural branch reaches only the LoRA factors (and the head), the main branch never reaches them.
            Assert.Equal(layers.Grads[i] is null, fused.Grads[i] is null);
            if (layers.Grads[i] is { } expected) TestSupport.AssertClose(expected, fused.Grads[i]!, names[i]);
        }
        var lora = model.LoraParameters().ToHashSet();
        foreach (var (p, g) in model.Parameters().Zip(fused.Grads))
        {
            bool head = ReferenceEquals(p, model.Head.Weight) || ReferenceEquals(p, model.Head.Bias);
            if (branch == Branch.Natural) Assert.Equal(lora.Contains(p) || head, g is not null);
            else Assert.Equal(!lora.Contains(p), g is not null);
        }
    }

    [Fact]
    public void Folds_are_kept_within_a_frozen_scope_and_a_weight_update_between_scopes_is_seen()
    {
        using var model = Model();
        model.Eval();
        var x = Images();
        float[] before;
        using (model.FreezeWeights()) before = model.Forward(x).ToArray();

        var conv = model.Convolutions().First(c => c.Name.Contains("conv2", StringComparison.Ordinal)).Conv;
        var changed = conv.Weight.ToArray().Select(v => v * 1.5f).ToArray();
        float[] frozenAcrossTheChange;
        using (model.FreezeWeights())
        {
            var first = model.Forward(x).ToArray();
            Assert.Equal(before, first);
            // Inside a scope the caller promised no change: the kept fold is used, the new weights are not seen.
            _cpu.Upload(changed, conv.Weight.Buffer);
            frozenAcrossTheChange = model.Forward(x).ToArray();
        }
        Assert.Equal(before, frozenAcrossTheChange);

        float[] unfrozen = model.Forward(x).ToArray();
        Assert.NotEqual(before, unfrozen);
        using (model.FreezeWeights()) Assert.Equal(unfrozen, model.Forward(x).ToArray());

        // A training step's forward updates the running statistics: the next scope folds them anew.
        model.Train();
        model.Forward(x);
        model.Eval();
        float[] afterStatistics = model.Forward(x).ToArray();
        Assert.NotEqual(unfrozen, afterStatistics);
        using (model.FreezeWeights())
        {
            using (model.FreezeWeights()) Assert.Equal(afterStatistics, model.Forward(x).ToArray());
            // Still inside the outer scope after the inner one closed: nothing is dropped yet.
            Assert.True(model.WeightsFrozen);
            Assert.Equal(afterStatistics, model.Forward(x).ToArray());
        }
        Assert.False(model.WeightsFrozen);
    }
}

internal static class TestSupport
{
    public static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = 1e-5f + 1e-4f * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }
}
