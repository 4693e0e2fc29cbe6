using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Nn.Layers;

/// <summary>
/// Upsampling (or downsampling) of the input images to <see cref="Size"/>×<see cref="Size"/> inside
/// the model, as the reference does when it fine-tunes ImageNet-pretrained ResNets on 32×32 CIFAR
/// images at 224×224: <c>F.interpolate(inp, 224)</c>, whose default mode is nearest
/// (<see cref="ResizeMode.Nearest"/>); <see cref="ResizeMode.Bilinear"/> is the smoother alternative.
/// It runs first, on [0, 1] pixels, so attacks still perturb the small images and ε keeps its pixel
/// meaning. Placing it before or after the per-channel normalisation gives the same result: the
/// normalisation is affine per channel and each output's weights sum to one. No parameters, so
/// nothing in the state dict; size and mode are part of the <see cref="Models.ModelSpec"/>.
/// </summary>
public sealed class InputResize : Module
{
    /// <param name="size">Side of the square images the rest of the model sees.</param>
    /// <param name="mode">How pixels are sampled.</param>
    public InputResize(int size, ResizeMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        Mode = mode;
    }

    /// <summary>The side inputs are resized to.</summary>
    public int Size { get; }

    /// <summary>Nearest or bilinear.</summary>
    public ResizeMode Mode { get; }

    /// <summary>x resized to (N, C, Size, Size); returned as it is when it already has that size.</summary>
    public Tensor Forward(Tensor x) =>
        x.Shape.Rank == 4 && x.Shape[2] == Size && x.Shape[3] == Size ? x : Ops.Resize(x, Size, Size, Mode);
}
