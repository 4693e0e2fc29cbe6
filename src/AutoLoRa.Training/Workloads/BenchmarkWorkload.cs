using AutoLoRa.Robust;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Workloads;

/// <summary>
/// The fixed benchmark workloads of shared/WORKLOADS.md — ResNet-18 (CIFAR stem) at two widths and
/// batch sizes, and the three steps timed on them — defined once for <c>autolora bench</c> and the
/// BenchmarkDotNet suite, so every figure measures the same work as the PyTorch peers.
/// </summary>
public sealed record BenchmarkWorkload(string Name, int Width, int BatchSize)
{
    public const int Classes = 10, InferBatch = 128, ImageSize = 32;

    /// <summary>The steps WORKLOADS.md defines.</summary>
    public static IReadOnlyList<string> Steps { get; } = ["autolora", "vanilla", "infer"];

    public static IReadOnlyList<BenchmarkWorkload> All { get; } = [new("r18w16-b64", 16, 64), new("r18-b32", 64, 32)];

    public static BenchmarkWorkload Parse(string name) =>
        All.FirstOrDefault(w => w.Name == name) ?? throw new ArgumentException($"--workload '{name}' is unknown; choose {string.Join(" or ", All.Select(w => w.Name))}.");

    /// <summary>The model of a step: LoRA rank 8 on every convolution but the stem for AutoLoRa, none otherwise.</summary>
    public ModelSpec Spec(string step) => new("resnet18", Classes, InChannels: 3, BaseWidth: Width, LoraRank: step == "autolora" ? 8 : 0);

    /// <summary>Images per step: the workload's batch for training, <see cref="InferBatch"/> for inference.</summary>
    public int BatchFor(string step) => step == "infer" ? InferBatch : BatchSize;

    /// <summary>The step's trainer exactly as WORKLOADS.md defines it; null for inference.</summary>
    public static Trainer? CreateTrainer(Classifier model, string step)
    {
        var attack = new PgdConfig(8f / 255f, 2f / 255f, 10);
        return step switch
        {
            "autolora" => new AutoLora(model, attack, AutomaticScalars.Fixed(0.5f, 3f), () => 0f, learningRate: 0.01f, weightDecay: 2e-4f),
            "vanilla" => new VanillaRft(model, attack, learningRate: 0.01f, beta: 6f, weightDecay: 2e-4f),
            "infer" => null,
            _ => throw new ArgumentException($"--step '{step}' is unknown; choose {string.Join(", ", Steps)}."),
        };
    }

    /// <summary>The distinct convolutions of this workload's CIFAR ResNet-18 (stem, stages, strided entries and shortcuts) at its batch size.</summary>
    public IEnumerable<(string Name, ConvGeometry Geometry)> Convolutions()
    {
        int n = BatchSize, w = Width;
        yield return ("stem", new ConvGeometry(n, 3, ImageSize, ImageSize, w, 3, 3, 1, 1, 1, 1));
        yield return ("layer1", new ConvGeometry(n, w, ImageSize, ImageSize, w, 3, 3, 1, 1, 1, 1));
        for (int stage = 2, size = ImageSize / 2, width = 2 * w; stage <= 4; stage++, size /= 2, width *= 2)
        {
            yield return ($"layer{stage}.0a", new ConvGeometry(n, width / 2, size * 2, size * 2, width, 3, 3, 2, 2, 1, 1));
            yield return ($"layer{stage}.0sc", new ConvGeometry(n, width / 2, size * 2, size * 2, width, 1, 1, 2, 2, 0, 0));
            yield return ($"layer{stage}", new ConvGeometry(n, width, size, size, width, 3, 3, 1, 1, 1, 1));
        }
    }

    /// <summary>A batch of random images in [0, 1] and random labels (fixed seed), as WORKLOADS.md prescribes.</summary>
    public (Tensor Images, Tensor Labels) RandomBatch(Backend backend, string step)
    {
        int batch = BatchFor(step);
        var rng = new Random(7);
        var images = new float[batch * 3 * ImageSize * ImageSize];
        for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextDouble();
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.Next(Classes);
        return (Tensor.FromArray(backend, images, new Shape(batch, 3, ImageSize, ImageSize)), Tensor.FromLabels(backend, labels));
    }
}
