using AutoLoRa.Core.Backends;

namespace AutoLoRa.Nn.Models;

/// <summary>Builds a classifier from its <see cref="ModelSpec"/> (the inverse of what checkpoints store).</summary>
public static class ModelFactory
{
    public static IReadOnlyList<string> Architectures { get; } = ["resnet-mini", "resnet18", "resnet34", "resnet50", "wrn-28-10"];

    public static Classifier Create(Backend backend, ModelSpec spec, int seed) => spec.Architecture switch
    {
        "wrn-28-10" => new WideResNet(backend, spec, seed),
        _ when spec.Architecture.StartsWith("resnet", StringComparison.Ordinal) => new ResNet(backend, spec, seed),
        _ => throw new ArgumentException($"Unknown architecture '{spec.Architecture}'; known: {string.Join(", ", Architectures)}."),
    };
}
