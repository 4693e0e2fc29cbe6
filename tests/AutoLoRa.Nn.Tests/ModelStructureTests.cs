using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Nn.Tests;

/// <summary>Model layouts: torchvision state-dict names and parameter counts known from PyTorch.</summary>
public sealed class ModelStructureTests : IDisposable
{
    private readonly CpuBackend _cpu = new();

    public void Dispose() => _cpu.Dispose();

    private static long Count(Classifier model) => model.Parameters().Sum(p => (long)p.ElementCount);

    [Fact]
    public void ResNet18CifarMatchesTorchvisionNamesAndSize()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet18", Classes: 10), seed: 1);
        var names = model.NamedParameters().Select(p => p.Name).ToHashSet();
        var buffers = model.NamedBuffers().Select(p => p.Name).ToHashSet();
        Assert.Contains("conv1.weight", names);
        Assert.Contains("layer1.0.conv1.weight", names);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer2.0.downsample.1.bias", names);
        Assert.Contains("fc.bias", names);
        Assert.Contains("layer4.1.bn2.running_var", buffers);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", names);
        // The CIFAR ResNet-18 (3×3 stem, 10 classes) has 11,173,962 parameters in PyTorch.
        Assert.Equal(11_173_962, Count(model));
        Assert.Equal(new Shape(64, 3, 3, 3), model.NamedParameters().First(p => p.Name == "conv1.weight").Tensor.Shape);
    }

    [Fact]
    public void ResNet50ImageNetHasTorchvisionSize()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet50", Classes: 1000, Stem: StemKind.ImageNet), seed: 1);
        // torchvision.models.resnet50(): 25,557,032 parameters.
        Assert.Equal(25_557_032, Count(model));
        Assert.Contains(model.NamedParameters(), p => p.Name == "layer4.2.conv3.weight" && p.Tensor.Shape == new Shape(2048, 512, 1, 1));
    }

    [Fact]
    public void LoraGoesOnEveryConvolutionButTheStem()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet18", Classes: 10, LoraRank: 8), seed: 1);
        var convs = model.Convolutions().ToList();
        Assert.False(convs.Single(c => c.Name == "conv1").Conv.HasLora);
        Assert.All(convs.Where(c => c.Name != "conv1"), c => Assert.True(c.Conv.HasLora, c.Name));
        var names = model.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        // k = 3: A (r·k × Cin·k) = (24, 192), B (Cout·k × r·k) = (192, 24) for a 64-channel 3×3 conv.
        Assert.Equal(new Shape(24, 192), names["layer1.0.conv1.lora_A"].Shape);
        Assert.Equal(new Shape(192, 24), names["layer1.0.conv1.lora_B"].Shape);
        // 1×1 downsample: A (8, 64), B (128, 8).
        Assert.Equal(new Shape(8, 64), names["layer2.0.downsample.0.lora_A"].Shape);
        Assert.Equal(new Shape(128, 8), names["layer2.0.downsample.0.lora_B"].Shape);
        Assert.All(names["layer1.0.conv1.lora_B"].ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void WideResNet28x10HasReferenceNamesAndSize()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("wrn-28-10", Classes: 10), seed: 1);
        var names = model.NamedParameters().Select(p => p.Name).ToHashSet();
        Assert.Contains("block1.layer.0.convShortcut.weight", names);
        Assert.Contains("block3.layer.3.conv2.weight", names);
        Assert.Contains("bn1.weight", names);
        Assert.DoesNotContain("block1.layer.1.convShortcut.weight", names);
        // WRN-28-10 with 10 classes: 36,479,194 parameters in the TRADES/RobustBench definition.
        Assert.Equal(36_479_194, Count(model));
    }

    [Fact]
    public void ReplaceHeadStartsAtZeroForTheNewClasses()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 5, BaseWidth: 8), seed: 1);
        model.ReplaceHead(7);
        Assert.Equal(new Shape(7, 64), model.Head.Weight.Shape);
        Assert.All(model.Head.Weight.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(7, model.Spec.Classes);
        Assert.Contains(model.NamedParameters(), p => p.Name == "fc.weight" && ReferenceEquals(p.Tensor, model.Head.Weight));
    }

    [Fact]
    public void UnknownArchitectureIsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create(_cpu, new ModelSpec("resnet19", Classes: 10), seed: 1));
        Assert.Contains("resnet19", e.Message);
    }
}
