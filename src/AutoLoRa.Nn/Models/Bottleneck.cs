using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>ResNet-50 block: 1×1 reduce, 3×3 (carrying the stride, as torchvision v1.5), 1×1 expand ×4.</summary>
public sealed class Bottleneck : ResidualBlock
{
    /// <summary>Output channels per unit of width.</summary>
    public const int Expansion = 4;

    private readonly Conv2d _conv1, _conv2, _conv3;
    private readonly BatchNorm2d _bn1, _bn2, _bn3;
    private readonly Shortcut? _downsample;

    /// <summary>A block from <paramref name="inChannels"/> to 4 × <paramref name="width"/> channels; a stride above 1, or a change of channels, adds a projection shortcut.</summary>
    public Bottleneck(Backend backend, Random rng, int inChannels, int width, int stride)
    {
        int outChannels = width * Expansion;
        _conv1 = RegisterModule("conv1", new Conv2d(backend, rng, inChannels, width, 1));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(backend, width));
        _conv2 = RegisterModule("conv2", new Conv2d(backend, rng, width, width, 3, stride, 1));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(backend, width));
        _conv3 = RegisterModule("conv3", new Conv2d(backend, rng, width, outChannels, 1));
        _bn3 = RegisterModule("bn3", new BatchNorm2d(backend, outChannels));
        if (stride != 1 || inChannels != outChannels) _downsample = RegisterModule("downsample", new Shortcut(backend, rng, inChannels, outChannels, stride));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, Branch branch)
    {
        var h = Ops.Relu(_conv1.ForwardNormalized(x, _bn1, branch));
        h = Ops.Relu(_conv2.ForwardNormalized(h, _bn2, branch));
        h = _conv3.ForwardNormalized(h, _bn3, branch);
        return Ops.AddRelu(h, _downsample?.Forward(x, branch) ?? x);
    }
}
