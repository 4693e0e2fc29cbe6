using AutoLoRa.Nn.Models;

namespace AutoLoRa.Cli.Bench;

/// <summary>The fixed benchmark workloads of shared/WORKLOADS.md: ResNet-18 (CIFAR stem) at two widths and batch sizes.</summary>
internal sealed record StepWorkload(string Name, int Width, int BatchSize)
{
    public const int Classes = 10, InferBatch = 128;

    public static IReadOnlyList<StepWorkload> All { get; } = [new("r18w16-b64", 16, 64), new("r18-b32", 64, 32)];

    public static StepWorkload Parse(string name) =>
        All.FirstOrDefault(w => w.Name == name) ?? throw new ArgumentException($"--workload '{name}' is unknown; choose {string.Join(" or ", All.Select(w => w.Name))}.");

    public ModelSpec Spec(int loraRank) => new("resnet18", Classes, InChannels: 3, BaseWidth: Width, LoraRank: loraRank);
}
