using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Nn.Tests;

/// <summary>LoRA semantics and AutoLoRa's gradient routing between the natural and main paths.</summary>
public sealed class LoraTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    private Classifier TinyLoraModel() =>
        ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, LoraRank: 2), seed: 3);

    private Tensor Images(int n = 2) =>
        Tensor.FromArray(_cpu, Init.Uniform(new Random(5), n * 3 * 8 * 8, 0.5f).Select(v => v + 0.5f).ToArray(), new Shape(n, 3, 8, 8));

    /// <summary>Makes every B non-zero so the LoRA branch actually changes the weights.</summary>
    private static void RandomizeB(Classifier model)
    {
        var rng = new Random(9);
        foreach (var (_, conv) in model.Convolutions().Where(c => c.Conv.HasLora))
        {
            var b = conv.LoraB!;
            b.Backend.Upload(Init.Normal(rng, b.ElementCount, 0f, 0.05f), b.Buffer);
        }
    }

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void WithZeroBBothPathsAgree()
    {
        using var model = TinyLoraModel();
        model.Eval();
        var x = Images();
        var natural = model.Forward(x, Branch.Natural).ToArray();
        var main = model.Forward(x, Branch.Main).ToArray();
        Assert.True(MaxAbsDiff(natural, main) < 1e-6f);
    }

    [Fact]
    public void NaturalPathEqualsTheMergedModel()
    {
        using var model = TinyLoraModel();
        RandomizeB(model);
        model.Eval();
        var x = Images();
        var natural = model.Forward(x, Branch.Natural).ToArray();
        var main = model.Forward(x, Branch.Main).ToArray();
        Assert.True(MaxAbsDiff(natural, main) > 1e-3f, "the LoRA branch should change the output");

        model.MergeLora();
        Assert.False(model.HasLora);
        Assert.DoesNotContain(model.NamedParameters(), p => p.Name.Contains("lora", StringComparison.Ordinal));
        var merged = model.Forward(x, Branch.Main).ToArray();
        Assert.True(MaxAbsDiff(natural, merged) < 1e-4f, $"max diff {MaxAbsDiff(natural, merged)}");
    }

    [Fact]
    public void NaturalLossTrainsOnlyLoraAndHead()
    {
        using var model = TinyLoraModel();
        RandomizeB(model);
        var labels = Tensor.FromLabels(_cpu, [0, 2]);
        Ops.CrossEntropy(model.Forward(Images(), Branch.Natural), labels).Backward();

        var lora = model.LoraParameters().ToHashSet();
        foreach (var (name, p) in model.NamedParameters())
        {
            bool shouldLearn = lora.Contains(p) || name.StartsWith("fc.", StringComparison.Ordinal);
            if (shouldLearn) Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0f), $"{name} should receive a gradient");
            else Assert.Null(p.Grad);
        }
    }

    [Fact]
    public void MainLossLeavesLoraUntouched()
    {
        using var model = TinyLoraModel();
        RandomizeB(model);
        var labels = Tensor.FromLabels(_cpu, [1, 0]);
        Ops.CrossEntropy(model.Forward(Images(), Branch.Main), labels).Backward();
        var lora = model.LoraParameters().ToHashSet();
        foreach (var (name, p) in model.NamedParameters())
        {
            if (lora.Contains(p)) Assert.Null(p.Grad);
            else Assert.True(p.Grad is not null, $"{name} should receive a gradient");
        }
    }

    [Fact]
    public void BatchNormRunningStatisticsUpdateOnBothPathsInTraining()
    {
        using var model = TinyLoraModel();
        var bn = model.NamedBuffers().First(b => b.Name == "bn1.running_mean").Tensor;
        var before = bn.ToArray();
        using (GradMode.NoGrad()) model.Forward(Images(), Branch.Natural);
        var afterNatural = bn.ToArray();
        using (GradMode.NoGrad()) model.Forward(Images(), Branch.Main);
        Assert.NotEqual(before, afterNatural);
        Assert.NotEqual(afterNatural, bn.ToArray());
    }
}
