using System.Text.Json;
using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.ModelFiles;
using AutoLoRa.Nn.Models;
using AutoLoRa.Nn.Models.Vit;

namespace AutoLoRa.Training.Tests;

/// <summary>
/// Vision transformer checkpoints against PyTorch: a timm-layout state dict written by PyTorch gives
/// PyTorch's logits, at its own image size and with the position embedding resampled to others as
/// timm resamples it; torchvision's vit_b_16 names map onto ours (Fixtures/Vit/make_vit_fixtures.py).
/// </summary>
public sealed class VitImportTests : IDisposable
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Vit");
    private static readonly string Checkpoint = Path.Combine(Dir, "vit_mini_timm.pt");
    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(12)]
    public void TimmNamesLoadAndGivePyTorchsLogits(int image)
    {
        var (input, expected) = Case(image);
        var imported = ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { ImageSize = image == 16 ? null : image });
        using var model = imported.Model;
        Assert.Equal("vit-mini", model.Spec.Architecture);
        Assert.Equal(image, model.Spec.VitImageSize());
        Assert.Equal(5, model.Spec.Classes);
        Assert.Empty(imported.Report.Missing);
        Assert.Contains(imported.Inferred, i => i.StartsWith(image == 16 ? "image size 16" : "position embedding resampled", StringComparison.Ordinal));
        model.Eval();
        var logits = model.Forward(Tensor.FromArray(_cpu, input, new Shape(2, 3, image, image))).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(logits[i] - expected[i]) < 1e-4f, $"logit {i}: {logits[i]} vs PyTorch {expected[i]}");
    }

    [Fact]
    public void AnImageSizeThatIsNoWholeNumberOfPatchesNamesTheSetting()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { ImageSize = 18 }));
        Assert.Equal([ImportSettings.Keys.ImageSize], e.Hint!.Settings);
        Assert.Contains("multiple of 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnArchitectureTheWeightsContradictIsRefused()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Architecture = "vit-ti4" }));
        Assert.Equal([ImportSettings.Keys.Architecture], e.Hint!.Settings);
        Assert.Contains("width 192", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TorchvisionVitB16KeysMapOntoOurVitB16WithTheSameShapes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "torchvision_vit_b_16_keys.json")));
        var profile = new TorchvisionVitProfile();
        var mapped = doc.RootElement.EnumerateObject().ToDictionary(
            p => profile.Map(p.Name).Target!, p => new Shape(p.Value.EnumerateArray().Select(e => e.GetInt32()).ToArray()));
        using var model = ModelFactory.Create(_cpu, new ModelSpec("vit-b16", 1000), seed: 1);
        var ours = model.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.Shape);
        Assert.Equal(ours.Keys.Order(), mapped.Keys.Order());
        foreach (var (name, shape) in ours) Assert.True(shape == mapped[name], $"{name}: ours {shape}, torchvision {mapped[name]}");
    }

    [Fact]
    public void ResamplingToTheSameGridChangesNothingAndKeepsTheClassToken()
    {
        var embedding = Enumerable.Range(0, (1 + 9) * 2).Select(i => (float)Math.Sin(i)).ToArray();
        Assert.Equal(embedding, PositionEmbeddingResampling.Resample(embedding, 2, 3, 3));
        var larger = PositionEmbeddingResampling.Resample(embedding, 2, 3, 5);
        Assert.Equal(embedding[..2], larger[..2]);
        Assert.Equal((1 + 25) * 2, larger.Length);
    }

    private static (float[] Input, float[] Logits) Case(int image)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "vit_mini_timm.json")));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("image").GetInt32() == image);
        return (c.GetProperty("input").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            c.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray());
    }
}
