namespace AutoLoRa.ModelFiles;

/// <summary>
/// How to rebuild the model of a PyTorch checkpoint, which records weights but not the
/// architecture. Every null field is inferred from the weights (<see cref="ModelLoader"/>).
/// </summary>
public sealed record ImportSettings
{
    /// <summary>Key profile: auto, torchvision, robust-models-transfer or robustssl.</summary>
    public string Profile { get; init; } = "auto";

    /// <summary>resnet-mini, resnet18, resnet34, resnet50, …; null infers it from the blocks per stage.</summary>
    public string? Architecture { get; init; }

    /// <summary>Classes of the head; null takes them from <c>fc.weight</c>.</summary>
    public int? Classes { get; init; }

    /// <summary>Classes when the checkpoint has no classifier (self-supervised) and <see cref="Classes"/> is null.</summary>
    public int? FallbackClasses { get; init; }

    /// <summary>imagenet or cifar; null infers it from the first convolution (7×7 → imagenet, 3×3 → cifar).</summary>
    public string? Stem { get; init; }

    /// <summary>Base width; null takes the first convolution's output channels.</summary>
    public int? Width { get; init; }

    /// <summary>Input normalisation: imagenet, cifar or none; null picks by stem (imagenet stem → ImageNet statistics).</summary>
    public string? Normalization { get; init; }

    /// <summary>Fail when a key the model has is missing (keys the checkpoint has but the model lacks always fail).</summary>
    public bool Strict { get; init; } = true;
}
