using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>
/// torchvision-layout ResNet (conv1, bn1, layer1–4, fc) with a CIFAR or ImageNet stem, a
/// configurable base width and input channels, and input normalisation inside the model.
/// </summary>
public sealed class ResNet : Classifier
{
    private readonly InputNormalization _normalize;
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Sequence<ResidualBlock>[] _stages;
    private Linear _fc;

    /// <param name="backend">Where the parameters live.</param>
    /// <param name="spec">Architecture and sizes; <see cref="ModelSpec.Architecture"/> picks the block layout.</param>
    /// <param name="seed">Seed of the initial weights.</param>
    public ResNet(Backend backend, ModelSpec spec, int seed) : base(spec)
    {
        var (bottleneck, depths) = Layout(spec.Architecture);
        var rng = new Random(seed);
        int width = spec.BaseWidth;
        _normalize = new InputNormalization(backend, spec.EffectiveMean, spec.EffectiveStd);
        _conv1 = spec.Stem == StemKind.Cifar
            ? RegisterModule("conv1", new Conv2d(backend, rng, spec.InChannels, width, 3, 1, 1))
            : RegisterModule("conv1", new Conv2d(backend, rng, spec.InChannels, width, 7, 2, 3));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(backend, width));

        int inChannels = width;
        _stages = new Sequence<ResidualBlock>[depths.Length];
        for (int s = 0; s < depths.Length; s++)
        {
            int stageWidth = width << s;
            var stage = RegisterModule($"layer{s + 1}", new Sequence<ResidualBlock>());
            for (int b = 0; b < depths[s]; b++)
            {
                int stride = b == 0 && s > 0 ? 2 : 1;
                ResidualBlock block = bottleneck
                    ? new Bottleneck(backend, rng, inChannels, stageWidth, stride)
                    : new BasicBlock(backend, rng, inChannels, stageWidth, stride);
                stage.Add(block);
                inChannels = stageWidth * (bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion);
            }
            _stages[s] = stage;
        }
        FeatureWidth = inChannels;
        _fc = RegisterModule("fc", new Linear(backend, rng, inChannels, spec.Classes));
        AddSpecExtras(seed);
    }

    /// <summary>Width of the pooled features the head sees.</summary>
    public int FeatureWidth { get; }

    /// <inheritdoc/>
    public override Linear Head => _fc;

    /// <inheritdoc/>
    protected override bool TakesLora(string name, LoraLayer layer, bool shortcuts, IReadOnlyList<string>? targets) =>
        ConvolutionTakesLora(name, layer, _conv1, shortcuts, targets);

    /// <inheritdoc/>
    public override void ReplaceHead(int classes, Random? defaultInit = null)
    {
        _fc = ReplaceModule("fc", new Linear(_fc.Weight.Backend, defaultInit ?? new Random(0), FeatureWidth, classes, zeroInit: defaultInit is null));
        Spec = Spec with { Classes = classes };
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        var h = _conv1.ForwardNormalizedRelu(_normalize.Forward(PrepareInput(x)), _bn1, branch);
        if (Spec.Stem == StemKind.ImageNet) h = Ops.MaxPool2d(h, 3, 2, 1);
        foreach (var stage in _stages)
        {
            foreach (var block in stage.Items) h = block.Forward(h, branch);
        }
        return _fc.Forward(Ops.GlobalAvgPool(h));
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _normalize.Dispose();
        base.Dispose();
    }

    /// <summary>Block kind and blocks per stage for each supported ResNet.</summary>
    internal static (bool Bottleneck, int[] Depths) Layout(string architecture) => architecture switch
    {
        "resnet-mini" => (false, [1, 1, 1, 1]),
        "resnet18" => (false, [2, 2, 2, 2]),
        "resnet34" => (false, [3, 4, 6, 3]),
        "resnet50" => (true, [3, 4, 6, 3]),
        _ => throw new ArgumentException($"Unknown ResNet '{architecture}'; known: resnet-mini, resnet18, resnet34, resnet50."),
    };
}
