using AutoLoRa.Core.Backends;
using AutoLoRa.Formats;

namespace AutoLoRa.Nn.Models;

/// <summary>The stem of a ResNet: CIFAR (3×3 stride 1, no max-pool) or ImageNet (7×7/2 + 3×3/2 max-pool).</summary>
public enum StemKind
{
    /// <summary>3×3 stride-1 convolution, no pooling: for 32×32 images.</summary>
    Cifar,
    /// <summary>torchvision's stem: 7×7 stride-2 convolution and a max-pool.</summary>
    ImageNet,
}

/// <summary>
/// Everything needed to rebuild a model: the architecture name (resnet18, resnet34, resnet50,
/// resnet-mini, wrn-28-10), base width, input channels, classes, stem, the input normalisation,
/// the LoRA rank (0 = none), the side to which inputs are resized inside the model (0 = none,
/// see <see cref="Layers.InputResize"/>), whether every batch-norm carries a TWINS frozen wing, and
/// how inputs are resized (bilinear unless a file says otherwise: files written before the choice were)
/// and whether the shortcut convolutions carry LoRA too (they did before the choice); for a vision
/// transformer, which linear layers carry LoRA (null: <see cref="VitLoraTargets.Default"/>) and the
/// side of the images its patch grid and position embedding are laid out for (0: the size's own,
/// <see cref="VitSize.ImageSize"/>). Stored in checkpoint metadata.
/// </summary>
public sealed record ModelSpec(
    string Architecture,
    int Classes,
    int InChannels = 3,
    int BaseWidth = 64,
    StemKind Stem = StemKind.Cifar,
    float[]? Mean = null,
    float[]? Std = null,
    int LoraRank = 0,
    int InputSize = 0,
    bool TwinNorms = false,
    ResizeMode InputResize = ResizeMode.Bilinear,
    bool LoraShortcuts = true,
    string? LoraTargets = null,
    int ImageSize = 0)
{
    /// <summary>
    /// A model to train from scratch on images of side <paramref name="imageSize"/>: a ResNet's base
    /// width is <paramref name="width"/>; a vision transformer ignores it (its size fixes its width) and
    /// lays its patch grid out for the images.
    /// </summary>
    public static ModelSpec ForImages(string architecture, int classes, int channels, int width, int imageSize)
    {
        var spec = new ModelSpec(architecture, classes, channels, width);
        return spec.IsVit() ? spec with { ImageSize = imageSize } : spec;
    }

    /// <summary>True for the vision transformers (<see cref="VitSize"/>).</summary>
    /// <remarks>A method, not a property, like <see cref="VitImageSize"/>: run configs serialise the record's properties.</remarks>
    public bool IsVit() => VitSize.Find(Architecture) is not null;

    /// <summary>
    /// The side of the images a ViT's position embedding is laid out for: what it must see, after
    /// any in-model resize (<see cref="InputSize"/> is then this side, e.g. 224 for CIFAR images).
    /// </summary>
    public int VitImageSize() => ImageSize > 0 ? ImageSize : VitSize.Of(Architecture).ImageSize;

    /// <summary>CIFAR-10 statistics, the default for 3-channel inputs (WORKLOADS.md).</summary>
    public static readonly float[] CifarMean = [0.4914f, 0.4822f, 0.4465f];

    /// <summary>CIFAR-10 per-channel standard deviations, the default for 3-channel inputs.</summary>
    public static readonly float[] CifarStd = [0.2471f, 0.2435f, 0.2616f];

    /// <summary>ImageNet statistics (torchvision's), what ImageNet-pretrained checkpoints expect.</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet per-channel standard deviations (torchvision's).</summary>
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary><see cref="Mean"/>, or the default: CIFAR-10's for 3 channels, 0.5 otherwise.</summary>
    public float[] EffectiveMean => Mean ?? (InChannels == 3 ? CifarMean : Enumerable.Repeat(0.5f, InChannels).ToArray());

    /// <summary><see cref="Std"/>, or the default: CIFAR-10's for 3 channels, 0.5 otherwise.</summary>
    public float[] EffectiveStd => Std ?? (InChannels == 3 ? CifarStd : Enumerable.Repeat(0.5f, InChannels).ToArray());

    /// <summary>Most classes a head may have: far above any dataset we read (ImageNet-21k has 21,843), far below what would exhaust memory.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Widest base width: 16 times the standard ResNet's 64.</summary>
    public const int MaxBaseWidth = 1024;

    /// <summary>Most input channels (images have 1, 3 or 4).</summary>
    public const int MaxInChannels = 64;

    /// <summary>Highest LoRA rank: above the channel count of every convolution we build, where a higher rank adds nothing.</summary>
    public const int MaxLoraRank = 2048;

    /// <summary>Largest side inputs may be resized to inside the model.</summary>
    public const int MaxInputSize = 4096;

    /// <summary>
    /// Checks every field before anything is built from them, because a description also comes from
    /// files (a model file's metadata) that may be damaged or hostile.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown architecture or a field out of range, named as the command line names it (e.g. "classes must be …").</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Architecture)) throw new ArgumentException("architecture is missing.");
        if (!ModelFactory.Architectures.Contains(Architecture))
            throw new ArgumentException($"architecture '{DisplayText.Clip(Architecture)}' is unknown; known: {string.Join(", ", ModelFactory.Architectures)}.");
        Require(Classes, 1, MaxClasses, "classes");
        Require(InChannels, 1, MaxInChannels, "in-channels");
        if (!IsVit()) Require(BaseWidth, 1, MaxBaseWidth, "width"); // a ViT's size (vit-ti4, vit-s16, …) fixes its width
        Require(LoraRank, 0, MaxLoraRank, "rank");
        Require(InputSize, 0, MaxInputSize, "input-size");
        if (!Enum.IsDefined(Stem)) throw new ArgumentException($"stem {(int)Stem} is unknown; expected cifar or imagenet.");
        CheckPerChannel(Mean, "mean", v => float.IsFinite(v), "finite");
        CheckPerChannel(Std, "std", v => float.IsFinite(v) && v > 0, "finite and positive");
        Require(ImageSize, 0, MaxInputSize, "image-size");
        if (IsVit())
        {
            VitSize.Of(Architecture).CheckImage(VitImageSize());
            if (InputSize > 0 && InputSize != VitImageSize())
            {
                throw new ArgumentException($"input-size {InputSize} does not fit {Architecture}, whose position embedding is laid out for {VitImageSize()}×{VitImageSize()} images; " +
                    $"resize inputs to {VitImageSize()} (or 0 to leave them), or convert the checkpoint for another image size.");
            }
            if (TwinNorms) throw new ArgumentException($"{Architecture} has no batch-norm to carry TWINS's frozen wings.");
        }
        else if (LoraTargets is not null)
        {
            throw new ArgumentException($"lora-targets chooses a vision transformer's linear layers; {Architecture} has none (leave it out).");
        }
        if (LoraTargets is null) return;
        try
        {
            VitLoraTargets.Parse(LoraTargets);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"lora-targets {e.Message}", e);
        }
    }

    private static void Require(int value, int min, int max, string name)
    {
        if (value < min || value > max) throw new ArgumentException($"{name} must be between {min} and {max:N0} (got {value}).");
    }

    private void CheckPerChannel(float[]? values, string name, Func<float, bool> valid, string what)
    {
        if (values is null) return;
        if (values.Length != InChannels) throw new ArgumentException($"{name} must have one value per input channel ({InChannels}), but has {values.Length}.");
        int bad = Array.FindIndex(values, v => !valid(v));
        if (bad >= 0) throw new ArgumentException($"{name}[{bad}] must be {what} (got {values[bad]}).");
    }
}
