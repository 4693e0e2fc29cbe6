using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;
using AutoLoRa.Nn.Models.Vit;

namespace AutoLoRa.Nn.Tests;

/// <summary>The vision transformers: timm's names and parameter counts, the patch grid, LoRA placement and AutoLoRa's routing.</summary>
public sealed class VisionTransformerTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    private static long Count(Classifier model) => model.Parameters().Sum(p => (long)p.ElementCount);

    private Classifier Mini(int loraRank = 0, string? targets = null, int classes = 3) =>
        ModelFactory.Create(_cpu, new ModelSpec("vit-mini", classes, LoraRank: loraRank, LoraTargets: targets), seed: 4);

    private Tensor Images(int n = 2, int side = 32) =>
        Tensor.FromArray(_cpu, Init.Uniform(new Random(6), n * 3 * side * side, 0.5f).Select(v => v + 0.5f).ToArray(), new Shape(n, 3, side, side));

    [Theory]
    // timm.create_model(name, num_classes=1000): vit_tiny_patch16_224 5,717,416; vit_small_patch16_224 22,050,664; vit_base_patch16_224 86,567,656.
    [InlineData("vit-ti16", 5_717_416)]
    [InlineData("vit-s16", 22_050_664)]
    [InlineData("vit-b16", 86_567_656)]
    public void ImageNetSizesHaveTimmParameterCounts(string arch, long parameters)
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec(arch, 1000), seed: 1);
        Assert.Equal(parameters, Count(model));
    }

    [Fact]
    public void StateDictNamesAndShapesAreTimms()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("vit-ti16", 1000), seed: 1);
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.Shape);
        Assert.Equal("cls_token", shapes.Keys.First());
        Assert.Equal(new Shape(1, 1, 192), shapes["cls_token"]);
        Assert.Equal(new Shape(1, 197, 192), shapes["pos_embed"]);
        Assert.Equal(new Shape(192, 3, 16, 16), shapes["patch_embed.proj.weight"]);
        Assert.Equal(new Shape(192), shapes["patch_embed.proj.bias"]);
        Assert.Equal(new Shape(192), shapes["blocks.0.norm1.weight"]);
        Assert.Equal(new Shape(576, 192), shapes["blocks.0.attn.qkv.weight"]);
        Assert.Equal(new Shape(576), shapes["blocks.0.attn.qkv.bias"]);
        Assert.Equal(new Shape(192, 192), shapes["blocks.0.attn.proj.weight"]);
        Assert.Equal(new Shape(768, 192), shapes["blocks.11.mlp.fc1.weight"]);
        Assert.Equal(new Shape(192, 768), shapes["blocks.11.mlp.fc2.weight"]);
        Assert.Equal(new Shape(192), shapes["norm.bias"]);
        Assert.Equal(new Shape(1000, 192), shapes["head.weight"]);
        Assert.DoesNotContain(shapes.Keys, k => k.StartsWith("blocks.12.", StringComparison.Ordinal));
        Assert.Empty(model.NamedBuffers());
    }

    [Theory]
    [InlineData("vit-ti4", 32, 65)]
    [InlineData("vit-ti4", 28, 50)]
    [InlineData("vit-s4", 32, 65)]
    public void SmallPatchModelsLayTheirGridOutForTheImageSize(string arch, int imageSize, int tokens)
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec(arch, 10, ImageSize: imageSize), seed: 1);
        Assert.Equal(tokens, model.NamedParameters().Single(p => p.Name == "pos_embed").Tensor.Shape[1]);
    }

    [Fact]
    public void AnImageSideThatIsNoWholeNumberOfPatchesIsRefusedWithTheFix()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create(_cpu, new ModelSpec("vit-ti4", 10, ImageSize: 30), seed: 1));
        Assert.Contains("multiple of 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("input-size 28", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImagesOfAnotherSizeAreRefusedWithTheFix()
    {
        using var model = Mini();
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Images(side: 28)));
        Assert.Contains("32×32", e.Message, StringComparison.Ordinal);
        Assert.Contains("image-size", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InputsAreResizedInsideTheModelOnlyToItsOwnImageSize()
    {
        using var model = Mini();
        var e = Assert.Throws<ArgumentException>(() => model.ResizeInputsTo(224, ResizeMode.Bilinear));
        Assert.Contains("laid out for 32×32", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.Spec.InputSize);
        model.ResizeInputsTo(32, ResizeMode.Bilinear);
        model.Eval();
        Assert.Equal(new Shape(2, 3), model.Forward(Images(side: 28)).Shape);
    }

    [Fact]
    public void ForwardGivesLogitsPerImage()
    {
        using var model = Mini(classes: 5);
        model.Eval();
        var logits = model.Forward(Images(3));
        Assert.Equal(new Shape(3, 5), logits.Shape);
        Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void LoraGoesOnEveryBlockLinearByDefaultAndNeverOnPatchEmbeddingOrHead()
    {
        using var model = Mini(loraRank: 2);
        var withLora = model.FeatureLayers().Where(l => l.Layer.HasLora).Select(l => l.Name).ToList();
        Assert.Equal(4 * 4, withLora.Count);
        Assert.Contains("blocks.3.mlp.fc2", withLora);
        Assert.Contains("blocks.0.attn.qkv", withLora);
        Assert.DoesNotContain("patch_embed.proj", withLora);
        Assert.False(model.Head.HasLora);
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        // Linear LoRA: A (r × in), B (out × r), B zero.
        Assert.Equal(new Shape(2, 64), shapes["blocks.0.attn.qkv.lora_A"].Shape);
        Assert.Equal(new Shape(192, 2), shapes["blocks.0.attn.qkv.lora_B"].Shape);
        Assert.All(shapes["blocks.0.attn.qkv.lora_B"].ToArray(), v => Assert.Equal(0f, v));
        Assert.Null(model.Spec.LoraTargets);
    }

    [Fact]
    public void LoraTargetsChooseTheLinears()
    {
        using var model = Mini(loraRank: 2, targets: "fc2, qkv");
        var withLora = model.FeatureLayers().Where(l => l.Layer.HasLora).Select(l => l.Name).ToList();
        Assert.Equal(8, withLora.Count);
        Assert.All(withLora, n => Assert.True(n.EndsWith(".qkv", StringComparison.Ordinal) || n.EndsWith(".fc2", StringComparison.Ordinal), n));
        Assert.Equal("qkv,fc2", model.Spec.LoraTargets);
    }

    [Fact]
    public void UnknownTargetsAndTargetsOnAResNetAreRefused()
    {
        var unknown = Assert.Throws<ArgumentException>(() => new ModelSpec("vit-mini", 3, LoraTargets: "qkv,k_proj").Validate());
        Assert.Contains("'k_proj'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("qkv,proj,fc1,fc2", unknown.Message, StringComparison.Ordinal);
        using var resnet = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", 3, BaseWidth: 4), seed: 1);
        Assert.Throws<ArgumentException>(() => resnet.AddLora(2, new Random(1), targets: "qkv"));
    }

    [Fact]
    public void NaturalPathEqualsTheMergedModelAndZeroBChangesNothing()
    {
        using var model = Mini(loraRank: 2);
        model.Eval();
        var x = Images();
        var main = model.Forward(x).ToArray();
        Assert.True(MaxAbsDiff(main, model.Forward(x, Branch.Natural).ToArray()) < 1e-5f);

        RandomizeB(model);
        var natural = model.Forward(x, Branch.Natural).ToArray();
        Assert.True(MaxAbsDiff(natural, main) > 1e-3f, "the LoRA branch should change the output");
        model.MergeLora();
        Assert.False(model.HasLora);
        Assert.True(MaxAbsDiff(natural, model.Forward(x).ToArray()) < 1e-4f);
    }

    [Fact]
    public void NaturalLossTrainsOnlyLoraAndHead()
    {
        using var model = Mini(loraRank: 2);
        RandomizeB(model);
        Ops.CrossEntropy(model.Forward(Images(), Branch.Natural), Tensor.FromLabels(_cpu, [0, 2])).Backward();
        var lora = model.LoraParameters().ToHashSet();
        foreach (var (name, p) in model.NamedParameters())
        {
            if (lora.Contains(p) || name.StartsWith("head.", StringComparison.Ordinal))
                Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0f), $"{name} should receive a gradient");
            else Assert.Null(p.Grad);
        }
    }

    [Fact]
    public void MainLossTrainsEverythingButLora()
    {
        using var model = Mini(loraRank: 2);
        RandomizeB(model);
        Ops.CrossEntropy(model.Forward(Images(), Branch.Main), Tensor.FromLabels(_cpu, [1, 0])).Backward();
        var lora = model.LoraParameters().ToHashSet();
        foreach (var (name, p) in model.NamedParameters())
        {
            if (lora.Contains(p)) Assert.Null(p.Grad);
            else Assert.True(p.Grad is not null && p.Grad.ToArray().Any(v => v != 0f), $"{name} should receive a gradient");
        }
    }

    [Fact]
    public void TwinNormsAreRefusedForAViT()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelSpec("vit-mini", 3, TwinNorms: true).Validate());
        Assert.Contains("batch-norm", e.Message, StringComparison.Ordinal);
    }

    private static void RandomizeB(Classifier model)
    {
        var rng = new Random(9);
        foreach (var b in model.FeatureLayers().Where(l => l.Layer.HasLora).Select(l => l.Layer.LoraB!))
        {
            b.Backend.Upload(Init.Normal(rng, b.ElementCount, 0f, 0.05f), b.Buffer);
        }
    }

    private static float MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
}
