using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>ResNet-18/34 block: two 3×3 convolutions with batch-norm, ReLU after the sum.</summary>
public sealed class BasicBlock : ResidualBlock
{
    /// <summary>Output channels per unit of width.</summary>
    public const int Expansion = 1;

    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Shortcut? _downsample;

    /// <summary>A block from <paramref name="inChannels"/> to <paramref name="width"/> channels; a stride above 1, or a change of channels, adds a projection shortcut.</summary>
    public BasicBlock(Backend backend, Random rng, int inChannels, int width, int stride)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(backend, rng, inChannels, width, 3, stride, 1));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(backend, width));
        _conv2 = RegisterModule("conv2", new Conv2d(backend, rng, width, width, 3, 1, 1));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(backend, width));
        if (stride != 1 || inChannels != width) _downsample = RegisterModule("downsample", new Shortcut(backend, rng, inChannels, width, stride));
    }

    /// <summary>
    /// Whether eval mode runs the block as one fused op (default); off, the layers run in turn as in
    /// training mode (each convolution with its batch-norm folded) — the composition the fused op
    /// must equal, kept for tests and for measuring what the fusion saves.
    /// </summary>
    public bool FusedInEval { get; set; } = true;

    /// <summary>
    /// The block's output. In eval mode one fused op (<see cref="Ops.ResidualBlockEval"/>: ReLUs,
    /// residual add, the projection shortcut and their gradients in the convolutions' output
    /// stages); in training mode the layers in turn, batch-norm on batch statistics.
    /// </summary>
    public override Tensor Forward(Tensor x, Branch branch)
    {
        if (FusedInEval && !_bn1.IsTraining && !_bn2.IsTraining && _downsample is not { NormIsTraining: true }
            && _conv1.Bias is null && _conv2.Bias is null)
        {
            using var label = OpProfiler.Layer(ProfileLabel);
            var first = _conv1.FoldedWith(_bn1, branch);
            var second = _conv2.FoldedWith(_bn2, branch);
            return _downsample is null
                ? Ops.ResidualBlockEval(x, first, second)
                : Ops.ResidualBlockEval(x, first, second, _downsample.FoldedWith(branch));
        }
        var h = Ops.Relu(_conv1.ForwardNormalized(x, _bn1, branch));
        h = _conv2.ForwardNormalized(h, _bn2, branch);
        return Ops.AddRelu(h, _downsample?.Forward(x, branch) ?? x);
    }
}
