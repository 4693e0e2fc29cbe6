using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Training.Tests;

/// <summary>How a fine-tuning run starts from a model file: from the network that file deploys.</summary>
public sealed class FineTuningTests
{
    [Fact]
    public void A_model_with_lora_factors_starts_from_its_weights_alone()
    {
        using var cpu = new CpuBackend();
        using var scope = TensorScope.Begin();
        var model = ModelFactory.Create(cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, LoraRank: 2), seed: 3);
        var rng = new Random(9);
        foreach (var (_, conv) in model.Convolutions().Where(c => c.Conv.HasLora))
        {
            cpu.Upload(Init.Normal(rng, conv.LoraB!.ElementCount, 0f, 0.05f), conv.LoraB.Buffer);
        }
        var weights = model.Convolutions().Select(c => c.Conv.Weight.ToArray()).ToList();
        var natural = model.Convolutions().Select(c => c.Conv.HasLora ? Ops.LoraMerge(c.Conv.Weight, c.Conv.LoraB!, c.Conv.LoraA!, c.Conv.LoraScale).ToArray() : null).ToList();
        Assert.Contains(natural.Zip(weights), p => p.First is not null && !p.First.SequenceEqual(p.Second));

        using var prepared = FineTuning.Prepare(model, "lora.safetensors", classes: 5, channels: 3);

        Assert.False(prepared.HasLora);
        Assert.Equal(0, prepared.Spec.LoraRank);
        Assert.Equal(5, prepared.Spec.Classes);
        Assert.Equal(weights, prepared.Convolutions().Select(c => c.Conv.Weight.ToArray()));
    }
}
