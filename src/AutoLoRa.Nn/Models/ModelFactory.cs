using AutoLoRa.Core.Backends;

namespace AutoLoRa.Nn.Models;

/// <summary>Builds a classifier from its <see cref="ModelSpec"/> (the inverse of what checkpoints store).</summary>
public static class ModelFactory
{
    /// <summary>The architecture names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Architectures { get; } =
        ["resnet-mini", "resnet18", "resnet34", "resnet50", "wrn-28-10", .. VitSize.All.Select(v => v.Name)];

    /// <exception cref="ArgumentException">An unknown architecture or a field out of range (<see cref="ModelSpec.Validate"/>).</exception>
    public static Classifier Create(Backend backend, ModelSpec spec, int seed)
    {
        spec.Validate();
        return Build(backend, spec, seed);
    }

    private static Classifier Build(Backend backend, ModelSpec spec, int seed) => spec.Architecture switch
    {
        "wrn-28-10" => new WideResNet(backend, spec, seed),
        _ when spec.IsVit() => new Vit.VisionTransformer(backend, spec, seed),
        _ => new ResNet(backend, spec, seed),
    };
}
