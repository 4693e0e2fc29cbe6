using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Training.Optim;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Training.Tests;

/// <summary>What the recipes do with a vision transformer: LoRA targets, TWINS's refusal, and the optimizer choice reaching the trainer.</summary>
public sealed class VitRecipeTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    private static RecipeSettings Settings(string method) => new() { Method = RecipeCatalogue.Get(method), RunDirectory = "", BatchSize = 8 };

    [Fact]
    public void LoraTargetsReachTheModel()
    {
        using var model = Tiny.Vit(_cpu);
        var s = Settings("autolora").With(AutoLoraRecipe.LoraTargets, "proj");
        using (Recipe.CreateTrainer(_cpu, model, s, Tiny.Halves(24, seed: 1))) { }
        var withLora = model.FeatureLayers().Where(l => l.Layer.HasLora).Select(l => l.Name).ToList();
        Assert.Equal(4, withLora.Count);
        Assert.All(withLora, n => Assert.EndsWith(".attn.proj", n, StringComparison.Ordinal));
        Assert.Equal("proj", model.Spec.LoraTargets);
    }

    [Fact]
    public void LoraTargetsForAResNetAreASettingError()
    {
        using var model = Tiny.Model(_cpu);
        var s = Settings("autolora").With(AutoLoraRecipe.LoraTargets, "qkv");
        var e = Assert.Throws<SettingException>(() => Recipe.CreateTrainer(_cpu, model, s, Tiny.Halves(24, seed: 1)));
        Assert.Equal(["lora-targets"], e.Settings);
        Assert.False(model.HasLora);
    }

    [Fact]
    public void AnUnknownTargetIsRefusedWhenTheTextIsRead()
    {
        var parse = AutoLoraRecipe.LoraTargets.Format.ParseText!;
        Assert.Equal("qkv,fc1", parse("lora-targets", "fc1,qkv"));
        var e = Assert.Throws<SettingException>(() => parse("lora-targets", "qkv,q_proj"));
        Assert.Equal("lora-targets 'q_proj' is not a linear layer of a ViT block; choose from qkv,proj,fc1,fc2.", e.Message);
    }

    [Fact]
    public void TwinsRefusesAModelWithoutBatchNorm()
    {
        using var model = Tiny.Vit(_cpu);
        var e = Assert.Throws<ArgumentException>(() => Recipe.CreateTrainer(_cpu, model, Settings("twins"), Tiny.Halves(24, seed: 1)));
        Assert.Contains("TWINS needs batch-norm", e.Message, StringComparison.Ordinal);
        Assert.Contains("vit-mini", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, typeof(Sgd))]
    [InlineData(OptimizerKind.AdamW, typeof(AdamW))]
    public void TheOptimizerSettingChoosesTheTrainersOptimizer(OptimizerKind kind, Type expected)
    {
        using var model = Tiny.Vit(_cpu);
        var s = Settings("vanilla") with { Optimizer = kind, LearningRate = 1e-3f, WeightDecay = 0.05f };
        using var trainer = Recipe.CreateTrainer(_cpu, model, s, Tiny.Halves(24, seed: 1));
        Assert.IsType(expected, trainer.Optimizer);
        Assert.Equal(1e-3f, trainer.Optimizer.LearningRate);
    }

    [Fact]
    public void TheViTBenchmarkWorkloadsAreWorkloadsMds()
    {
        var tiny = Workloads.BenchmarkWorkload.Parse("vit-ti4-b32");
        var spec = tiny.Spec("autolora");
        Assert.Equal(("vit-ti4", 32, 8, 32, 128), (spec.Architecture, spec.VitImageSize(), spec.LoraRank, tiny.BatchFor("autolora"), tiny.BatchFor("infer")));
        Assert.Equal(0, tiny.Spec("vanilla").LoraRank);
        var small = Workloads.BenchmarkWorkload.Parse("vit-s16-b8");
        Assert.Equal(("vit-s16", 224, 8, 32), (small.Spec("infer").Architecture, small.Spec("infer").VitImageSize(), small.BatchFor("vanilla"), small.BatchFor("infer")));
        Assert.Empty(small.Convolutions());
    }

    [Theory]
    [InlineData("autolora")]
    [InlineData("vanilla")]
    [InlineData("infer")]
    public void Every_benchmark_workload_describes_a_model_that_passes_validation(string step)
    {
        // bench step builds its model from this spec; a ViT workload once carried width 0, which the
        // ResNet width check refused, so `bench step --workload vit-ti4-b32` could not run at all.
        foreach (var workload in Workloads.BenchmarkWorkload.All) workload.Spec(step).Validate();
    }

    [Fact]
    public void TheOptimizerIsReadFromItsNameAndDefaultsToSgd()
    {
        Assert.Equal(OptimizerKind.Sgd, Settings("autolora").Optimizer);
        Assert.Equal(OptimizerKind.AdamW, CommonSettings.Optimizer.Format.ParseText!("optimizer", "adamw"));
        var e = Assert.Throws<SettingException>(() => CommonSettings.Optimizer.Format.ParseText!("optimizer", "adam"));
        Assert.Contains("sgd or adamw", e.Message, StringComparison.Ordinal);
    }
}
