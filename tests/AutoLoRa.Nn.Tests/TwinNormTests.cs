using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Layers;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Nn.Tests;

/// <summary>TWINS's two-wing batch-norm: which samples each wing sees, what each updates, and what is left at inference.</summary>
public sealed class TwinNormTests : IDisposable
{
    private const int Channels = 3;
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    /// <summary>A batch-norm whose "pre-trained" state is not the default, with a frozen wing copied from it.</summary>
    private BatchNorm2d TwinNorm()
    {
        var norm = new BatchNorm2d(_cpu, Channels);
        Set(norm.Weight, 1.5f, 0.5f, 2f);
        Set(norm.Bias, 0.1f, -0.2f, 0.3f);
        Set(norm.RunningMean, 0.4f, -0.1f, 0.2f);
        Set(norm.RunningVar, 0.8f, 1.7f, 0.6f);
        norm.AddFrozenWing();
        // Different affine values per wing, so the output tells which wing normalised a sample.
        Set(norm.FrozenWing!.Weight, -1f, 3f, 0.25f);
        Set(norm.FrozenWing.Bias, 2f, 1f, -1f);
        return norm;
    }

    private static void Set(Tensor t, params float[] values) => t.Backend.Upload(values, t.Buffer);

    private Tensor Batch(int n, int seed = 5)
    {
        var x = Tensor.FromArray(_cpu, Init.Normal(new Random(seed), n * Channels * 4 * 2, 0.3f, 1.4f), new Shape(n, Channels, 4, 2));
        x.RequiresGrad = true;
        return x;
    }

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Theory]
    [InlineData(6)]
    [InlineData(5)]
    public void TrainingRoutesTheFirstHalfToTheFrozenWingAndTheRestToTheAdaptiveWing(int n)
    {
        var norm = TwinNorm();
        var preMean = norm.RunningMean.ToArray();
        var preVar = norm.RunningVar.ToArray();
        var x = Batch(n);
        int frozen = n / 2;
        var y = norm.Forward(x).ToArray();

        // The frozen half: (x − μ_pre)/√(σ²_pre + eps)·w_F + b_F, computed by hand.
        var xs = x.ToArray();
        var wF = norm.FrozenWing!.Weight.ToArray();
        var bF = norm.FrozenWing.Bias.ToArray();
        int plane = 4 * 2;
        for (int i = 0; i < frozen * Channels * plane; i++)
        {
            int c = i / plane % Channels;
            float expected = (xs[i] - preMean[c]) / MathF.Sqrt(preVar[c] + Ops.BatchNormEpsilon) * wF[c] + bF[c];
            Assert.True(Math.Abs(expected - y[i]) < 1e-4f, $"frozen row value {i}: {y[i]} vs {expected}");
        }

        // The adaptive half: a training-mode batch-norm on those rows alone (their batch statistics).
        using var plain = new BatchNorm2d(_cpu, Channels);
        _cpu.Copy(norm.Weight.Buffer, plain.Weight.Buffer, Channels);
        _cpu.Copy(norm.Bias.Buffer, plain.Bias.Buffer, Channels);
        var adaptive = plain.Forward(Ops.Rows(x, frozen, n - frozen)).ToArray();
        Assert.True(MaxAbsDiff(adaptive, y[(frozen * Channels * plane)..]) < 1e-5f);
    }

    [Fact]
    public void FrozenStatisticsNeverChangeWhileAdaptiveOnesDo()
    {
        var norm = TwinNorm();
        var frozenMean = norm.FrozenWing!.RunningMean.ToArray();
        var frozenVar = norm.FrozenWing.RunningVar.ToArray();
        var adaptiveMean = norm.RunningMean.ToArray();
        for (int step = 0; step < 3; step++) norm.Forward(Batch(8, seed: step));
        Assert.Equal(frozenMean, norm.FrozenWing.RunningMean.ToArray());
        Assert.Equal(frozenVar, norm.FrozenWing.RunningVar.ToArray());
        Assert.True(MaxAbsDiff(adaptiveMean, norm.RunningMean.ToArray()) > 1e-3f, "the adaptive wing's running mean should move");
        Assert.Equal(3, norm.NumBatchesTracked);
    }

    [Fact]
    public void EachAffineSetLearnsOnlyFromItsOwnHalf()
    {
        var norm = TwinNorm();
        var x = Batch(6);
        var y = norm.Forward(x);
        var weights = Tensor.FromArray(_cpu, Init.Normal(new Random(1), y.ElementCount), y.Shape);
        Ops.Sum(Ops.Multiply(y, weights)).Backward();
        foreach (var p in new[] { norm.Weight, norm.Bias, norm.FrozenWing!.Weight, norm.FrozenWing.Bias })
        {
            Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0f), $"{p.Name} should receive a gradient");
        }

        // A loss on the adaptive rows only (weighted: a plain sum of batch-normalised values has zero gradient in gamma).
        var frozenWeight = norm.FrozenWing.Weight;
        var adaptiveRows = Ops.Rows(norm.Forward(x), 3, 3);
        var adaptiveOnly = Ops.Sum(Ops.Multiply(adaptiveRows, Ops.Rows(weights, 3, 3)));
        var grads = Core.Autograd.Backward.Grad(adaptiveOnly, frozenWeight, norm.Weight);
        Assert.All(grads[0].ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains(grads[1].ToArray(), v => v != 0f);
    }

    [Fact]
    public void EvalModeUsesOnlyTheAdaptiveWing()
    {
        var norm = TwinNorm();
        norm.Eval();
        var x = Batch(4);
        var before = norm.Forward(x).ToArray();
        Set(norm.FrozenWing!.Weight, 9f, 9f, 9f);
        Set(norm.FrozenWing.RunningMean, 5f, 5f, 5f);
        var after = norm.Forward(x).ToArray();
        Assert.Equal(before, after);

        using var plain = new BatchNorm2d(_cpu, Channels);
        foreach (var (from, to) in new[] { (norm.Weight, plain.Weight), (norm.Bias, plain.Bias), (norm.RunningMean, plain.RunningMean), (norm.RunningVar, plain.RunningVar) })
        {
            _cpu.Copy(from.Buffer, to.Buffer, Channels);
        }
        plain.Eval();
        Assert.Equal(plain.Forward(x).ToArray(), after);
    }

    [Fact]
    public void AModelGetsWingsOnEveryBatchNormStartingFromItsOwnState()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4), seed: 3);
        var plainKeys = StateDicts.ExpectedKeys(model);
        var norms = model.BatchNorms().ToList();
        Set(norms[0].Norm.RunningMean, 0.3f, 0.1f, -0.2f, 0.5f);
        model.AddTwinNorms();
        Assert.True(model.Spec.TwinNorms);
        Assert.True(model.HasTwinNorms);
        Assert.Equal(norms.Count, model.BatchNorms().Count());

        var keys = StateDicts.ExpectedKeys(model);
        foreach (var (name, norm) in norms)
        {
            foreach (var leaf in new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" })
            {
                Assert.Contains($"{name}.{BatchNorm2d.FrozenWingName}.{leaf}", keys);
            }
            Assert.Equal(norm.RunningMean.ToArray(), norm.FrozenWing!.RunningMean.ToArray());
            Assert.Equal(norm.Weight.ToArray(), norm.FrozenWing.Weight.ToArray());
        }
        Assert.Contains("layer2.0.downsample.1.main_bn.running_var", keys);
        Assert.Equal(0.3f, model.BatchNorms().First().Norm.FrozenWing!.RunningMean.ToArray()[0]);

        model.Eval();
        var x = Tensor.FromArray(_cpu, Init.Uniform(new Random(2), 2 * 3 * 8 * 8, 0.5f).Select(v => v + 0.5f).ToArray(), new Shape(2, 3, 8, 8));
        var twinLogits = model.Forward(x).ToArray();
        model.RemoveFrozenWings();
        Assert.False(model.Spec.TwinNorms);
        Assert.Equal(plainKeys, StateDicts.ExpectedKeys(model));
        Assert.Equal(twinLogits, model.Forward(x).ToArray());
    }

    [Fact]
    public void ASpecWithTwinNormsBuildsThem()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, TwinNorms: true), seed: 3);
        Assert.True(model.HasTwinNorms);
        Assert.All(model.BatchNorms(), b => Assert.NotNull(b.Norm.FrozenWing));
        Assert.Throws<InvalidOperationException>(() => model.BatchNorms().First().Norm.AddFrozenWing());
    }
}
