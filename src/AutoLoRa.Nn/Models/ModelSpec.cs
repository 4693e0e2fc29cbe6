using AutoLoRa.Core.Backends;

namespace AutoLoRa.Nn.Models;

/// <summary>The stem of a ResNet: CIFAR (3×3 stride 1, no max-pool) or ImageNet (7×7/2 + 3×3/2 max-pool).</summary>
public enum StemKind
{
    Cifar,
    ImageNet,
}

/// <summary>
/// Everything needed to rebuild a model: the architecture name (resnet18, resnet34, resnet50,
/// resnet-mini, wrn-28-10), base width, input channels, classes, stem, the input normalisation,
/// the LoRA rank (0 = none), the side to which inputs are resized inside the model (0 = none,
/// see <see cref="Layers.InputResize"/>), whether every batch-norm carries a TWINS frozen wing, and
/// how inputs are resized (bilinear unless a file says otherwise: files written before the choice were)
/// and whether the shortcut convolutions carry LoRA too (they did before the choice).
/// Stored in checkpoint metadata.
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
    bool LoraShortcuts = true)
{
    /// <summary>CIFAR-10 statistics, the default for 3-channel inputs (WORKLOADS.md).</summary>
    public static readonly float[] CifarMean = [0.4914f, 0.4822f, 0.4465f];

    public static readonly float[] CifarStd = [0.2471f, 0.2435f, 0.2616f];

    /// <summary>ImageNet statistics (torchvision's), what ImageNet-pretrained checkpoints expect.</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];

    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    public float[] EffectiveMean => Mean ?? (InChannels == 3 ? CifarMean : Enumerable.Repeat(0.5f, InChannels).ToArray());

    public float[] EffectiveStd => Std ?? (InChannels == 3 ? CifarStd : Enumerable.Repeat(0.5f, InChannels).ToArray());
}
