using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>
/// WRN-28-10 as the TRADES/AutoLoRa code defines it: pre-activation wide blocks in three groups
/// (16·10, 32·10, 64·10 channels), a final batch-norm + ReLU, global average pooling and fc.
/// State-dict names follow that code (<c>block1.layer.0.bn1.weight</c>, <c>…convShortcut.weight</c>).
/// </summary>
public sealed class WideResNet : Classifier
{
    private readonly InputNormalization _normalize;
    private readonly Conv2d _conv1;
    private readonly WideGroup[] _groups;
    private readonly BatchNorm2d _bn1;
    private Linear _fc;

    /// <summary>WRN-28-10 as <paramref name="spec"/> says, initialised from <paramref name="seed"/>.</summary>
    public WideResNet(Backend backend, ModelSpec spec, int seed) : base(spec)
    {
        if (spec.Architecture != "wrn-28-10") throw new ArgumentException($"Unknown wide ResNet '{spec.Architecture}'; known: wrn-28-10.");
        const int blocksPerGroup = (28 - 4) / 6, widen = 10;
        var rng = new Random(seed);
        int[] widths = [16, 16 * widen, 32 * widen, 64 * widen];
        _normalize = new InputNormalization(backend, spec.EffectiveMean, spec.EffectiveStd);
        _conv1 = RegisterModule("conv1", new Conv2d(backend, rng, spec.InChannels, widths[0], 3, 1, 1));
        _groups =
        [
            RegisterModule("block1", new WideGroup(backend, rng, blocksPerGroup, widths[0], widths[1], 1)),
            RegisterModule("block2", new WideGroup(backend, rng, blocksPerGroup, widths[1], widths[2], 2)),
            RegisterModule("block3", new WideGroup(backend, rng, blocksPerGroup, widths[2], widths[3], 2)),
        ];
        _bn1 = RegisterModule("bn1", new BatchNorm2d(backend, widths[3]));
        _fc = RegisterModule("fc", new Linear(backend, rng, widths[3], spec.Classes));
        AddSpecExtras(seed);
    }

    /// <inheritdoc/>
    public override Linear Head => _fc;

    /// <inheritdoc/>
    protected override bool TakesLora(string name, LoraLayer layer, bool shortcuts, IReadOnlyList<string>? targets) =>
        ConvolutionTakesLora(name, layer, _conv1, shortcuts, targets);

    /// <inheritdoc/>
    public override void ReplaceHead(int classes, Random? defaultInit = null)
    {
        _fc = ReplaceModule("fc", new Linear(_fc.Weight.Backend, defaultInit ?? new Random(0), _fc.InFeatures, classes, zeroInit: defaultInit is null));
        Spec = Spec with { Classes = classes };
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        var h = _conv1.Forward(_normalize.Forward(PrepareInput(x)), branch);
        foreach (var group in _groups) h = group.Forward(h, branch);
        h = Ops.Relu(_bn1.Forward(h, branch));
        return _fc.Forward(Ops.GlobalAvgPool(h));
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _normalize.Dispose();
        base.Dispose();
    }

    /// <summary>A group of wide blocks (the reference's NetworkBlock with its <c>layer</c> list).</summary>
    private sealed class WideGroup : Module
    {
        private readonly Sequence<WideBlock> _layer;

        public WideGroup(Backend backend, Random rng, int blocks, int inChannels, int outChannels, int stride)
        {
            _layer = RegisterModule("layer", new Sequence<WideBlock>());
            for (int i = 0; i < blocks; i++)
            {
                _layer.Add(new WideBlock(backend, rng, i == 0 ? inChannels : outChannels, outChannels, i == 0 ? stride : 1));
            }
        }

        public Tensor Forward(Tensor x, Branch branch)
        {
            foreach (var block in _layer.Items) x = block.Forward(x, branch);
            return x;
        }
    }

    /// <summary>Pre-activation block: BN-ReLU-conv twice; where the width changes, the shortcut takes the activated input.</summary>
    private sealed class WideBlock : Module
    {
        private readonly BatchNorm2d _bn1, _bn2;
        private readonly Conv2d _conv1, _conv2;
        private readonly Conv2d? _shortcut;

        public WideBlock(Backend backend, Random rng, int inChannels, int outChannels, int stride)
        {
            _bn1 = RegisterModule("bn1", new BatchNorm2d(backend, inChannels));
            _conv1 = RegisterModule("conv1", new Conv2d(backend, rng, inChannels, outChannels, 3, stride, 1));
            _bn2 = RegisterModule("bn2", new BatchNorm2d(backend, outChannels));
            _conv2 = RegisterModule("conv2", new Conv2d(backend, rng, outChannels, outChannels, 3, 1, 1));
            if (inChannels != outChannels) _shortcut = RegisterModule("convShortcut", new Conv2d(backend, rng, inChannels, outChannels, 1, stride));
        }

        public Tensor Forward(Tensor x, Branch branch)
        {
            var activated = Ops.Relu(_bn1.Forward(x, branch));
            var h = Ops.Relu(_conv1.ForwardNormalized(activated, _bn2, branch));
            h = _conv2.Forward(h, branch);
            return Ops.Add(_shortcut is null ? x : _shortcut.Forward(activated, branch), h);
        }
    }
}
