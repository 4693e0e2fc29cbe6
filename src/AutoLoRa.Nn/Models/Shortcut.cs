using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>torchvision's <c>downsample</c>: 1×1 convolution ("0") + batch-norm ("1") where a block changes shape.</summary>
public sealed class Shortcut : Module
{
    private readonly Conv2d _conv;
    private readonly BatchNorm2d _bn;

    /// <summary>A 1×1 convolution of <paramref name="stride"/> with batch-norm, from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public Shortcut(Backend backend, Random rng, int inChannels, int outChannels, int stride)
    {
        _conv = RegisterModule("0", new Conv2d(backend, rng, inChannels, outChannels, 1, stride));
        _bn = RegisterModule("1", new BatchNorm2d(backend, outChannels));
    }

    /// <summary>The projected <paramref name="x"/> through <paramref name="branch"/>'s weights.</summary>
    public Tensor Forward(Tensor x, Branch branch) => _conv.ForwardNormalized(x, _bn, branch);

    /// <summary>Whether its batch-norm normalises with batch statistics (training mode), whatever this module's own mode.</summary>
    public bool NormIsTraining => _bn.IsTraining;

    /// <summary>The projection with its batch-norm folded in, for eval mode (see <see cref="Conv2d.FoldedWith"/>).</summary>
    public ConvBatchNormEval FoldedWith(Branch branch) => _conv.FoldedWith(_bn, branch);
}
