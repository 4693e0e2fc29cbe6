namespace AutoLoRa.Nn.Models;

/// <summary>
/// One vision transformer size: patch side, width D, depth, heads and the image side its
/// position embedding is laid out for by default. The MLP is 4·D wide in all of them (timm's
/// mlp_ratio 4). Ti/S/B are the ViT/DeiT sizes (Ti: 192 wide, 3 heads; S: 384, 6; B: 768, 12;
/// 12 blocks each). The /4 variants cut 32×32 images (CIFAR) into 8×8 = 64 patches, and 28×28 ones
/// (MNIST, Fashion-MNIST, with an image size of 28) into 7×7; vit-mini is a 4-block, 64-wide
/// model for demos and tests that trains in minutes on two cores.
/// </summary>
/// <param name="Name">The architecture name (<c>--arch</c>).</param>
/// <param name="Patch">Side of the square patches.</param>
/// <param name="Width">Token width D.</param>
/// <param name="Depth">Number of blocks.</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="ImageSize">The image side the position embedding is laid out for unless a spec says otherwise.</param>
public sealed record VitSize(string Name, int Patch, int Width, int Depth, int Heads, int ImageSize)
{
    /// <summary>Every size, in the order help texts list them.</summary>
    public static IReadOnlyList<VitSize> All { get; } =
    [
        new("vit-ti16", 16, 192, 12, 3, 224),
        new("vit-s16", 16, 384, 12, 6, 224),
        new("vit-b16", 16, 768, 12, 12, 224),
        new("vit-ti4", 4, 192, 12, 3, 32),
        new("vit-s4", 4, 384, 12, 6, 32),
        new("vit-mini", 4, 64, 4, 4, 32),
    ];

    /// <summary>timm's mlp_ratio: the hidden layer of each block's MLP is this many times the width.</summary>
    public const int MlpRatio = 4;

    /// <summary>Width of one attention head.</summary>
    public int HeadWidth => Width / Heads;

    /// <summary>The size called <paramref name="architecture"/>, or null for another architecture.</summary>
    public static VitSize? Find(string? architecture) => All.FirstOrDefault(v => v.Name == architecture);

    /// <summary>The size called <paramref name="architecture"/>.</summary>
    /// <exception cref="ArgumentException">Not a vision transformer.</exception>
    public static VitSize Of(string architecture) =>
        Find(architecture) ?? throw new ArgumentException($"'{architecture}' is not a vision transformer; known: {string.Join(", ", All.Select(v => v.Name))}.");

    /// <summary>Patches per side for images of side <paramref name="imageSize"/> (checked first).</summary>
    public int Grid(int imageSize)
    {
        CheckImage(imageSize);
        return imageSize / Patch;
    }

    /// <summary>Checks that images of side <paramref name="imageSize"/> cut into whole patches.</summary>
    /// <exception cref="ArgumentException">The side is not a whole number of patches.</exception>
    public void CheckImage(int imageSize)
    {
        if (imageSize < Patch || imageSize % Patch != 0)
        {
            throw new ArgumentException(
                $"{Name} cuts {Patch}×{Patch} patches, so its image side must be a multiple of {Patch} (got {imageSize}); " +
                $"resize the inputs inside the model (input-size {Math.Max(Patch, imageSize / Patch * Patch)}) or pick another patch size.");
        }
    }
}
