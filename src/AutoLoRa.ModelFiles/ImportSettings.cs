namespace AutoLoRa.ModelFiles;

/// <summary>
/// How to rebuild the model of a PyTorch checkpoint, which records weights but not the
/// architecture. Every null field is inferred from the weights (<see cref="ModelLoader"/>).
/// </summary>
public sealed record ImportSettings
{
    /// <summary>
    /// How errors name these settings (<see cref="AutoLoRa.Core.SettingException"/> keys, inside a
    /// <see cref="CheckpointException.Hint"/>): the property names, and for the relaxed check what to set.
    /// </summary>
    public static class Keys
    {
        /// <summary>The key of <see cref="ImportSettings.Profile"/>.</summary>
        public const string Profile = nameof(ImportSettings.Profile);
        /// <summary>The key of <see cref="ImportSettings.Architecture"/>.</summary>
        public const string Architecture = nameof(ImportSettings.Architecture);
        /// <summary>The key of <see cref="ImportSettings.Classes"/>.</summary>
        public const string Classes = nameof(ImportSettings.Classes);
        /// <summary>The key of <see cref="ImportSettings.Stem"/>.</summary>
        public const string Stem = nameof(ImportSettings.Stem);
        /// <summary>The key of <see cref="ImportSettings.Width"/>.</summary>
        public const string Width = nameof(ImportSettings.Width);
        /// <summary>The key of <see cref="ImportSettings.Normalization"/>.</summary>
        public const string Normalization = nameof(ImportSettings.Normalization);
        /// <summary>The key of <see cref="ImportSettings.ImageSize"/>.</summary>
        public const string ImageSize = nameof(ImportSettings.ImageSize);

        /// <summary>Strict off: a checkpoint may lack weights the model has.</summary>
        public const string NotStrict = nameof(Strict) + " = false";
    }

    /// <summary>Key profile: auto, torchvision, robust-models-transfer or robustssl.</summary>
    public string Profile { get; init; } = "auto";

    /// <summary>resnet-mini, resnet18, resnet34, resnet50, vit-ti16, …; null infers it from the blocks per stage (a ViT: patch, width and depth).</summary>
    public string? Architecture { get; init; }

    /// <summary>Classes of the head; null takes them from <c>fc.weight</c>.</summary>
    public int? Classes { get; init; }

    /// <summary>Classes when the checkpoint has no classifier (self-supervised) and <see cref="Classes"/> is null.</summary>
    public int? FallbackClasses { get; init; }

    /// <summary>imagenet or cifar; null infers it from the first convolution (7×7 → imagenet, 3×3 → cifar).</summary>
    public string? Stem { get; init; }

    /// <summary>Base width; null takes the first convolution's output channels.</summary>
    public int? Width { get; init; }

    /// <summary>Input normalisation: imagenet, inception (0.5, timm's augreg ViTs), cifar or none; null picks by stem (imagenet stem → ImageNet statistics; a ViT: imagenet).</summary>
    public string? Normalization { get; init; }

    /// <summary>A vision transformer's image side; null keeps the checkpoint's (its position embedding's grid), another size resamples that embedding.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Fail when a key the model has is missing (keys the checkpoint has but the model lacks always fail).</summary>
    public bool Strict { get; init; } = true;
}
