using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>
/// An image classifier: an optional input resize, input normalisation, a convolutional feature
/// extractor and a linear head. Takes pixels in [0, 1]; returns logits.
/// </summary>
public abstract class Classifier : Module
{
    private InputResize? _resize;

    /// <summary>A classifier built as <paramref name="spec"/> says; a positive input size adds an input resize.</summary>
    protected Classifier(ModelSpec spec)
    {
        Spec = spec;
        if (spec.InputSize > 0) _resize = new InputResize(spec.InputSize, spec.InputResize);
        else if (spec.InputSize < 0) throw new ArgumentException($"Input size {spec.InputSize} must be positive, or 0 for no resize.");
    }

    /// <summary>What was built (architecture, widths, classes, normalisation); saved with checkpoints.</summary>
    public ModelSpec Spec { get; protected set; }

    /// <summary>The final linear layer (the one fine-tuning replaces).</summary>
    public abstract Linear Head { get; }

    /// <summary>The stem convolution, which never gets a LoRA branch.</summary>
    protected abstract Conv2d Stem { get; }

    /// <summary>Logits for x (N, C, H, W) in [0, 1] along the chosen path.</summary>
    public abstract Tensor Forward(Tensor x, Branch branch = Branch.Main);

    /// <summary>
    /// Makes the model resize its inputs to <paramref name="size"/>×<paramref name="size"/> by
    /// <paramref name="mode"/> before anything else (0 turns it off), e.g. 224 to fine-tune an
    /// ImageNet-pretrained ResNet on 32×32 images.
    /// </summary>
    public void ResizeInputsTo(int size, ResizeMode mode)
    {
        if (size < 0) throw new ArgumentException($"The input size must be positive, or 0 for no resize (got {size}).");
        _resize = size > 0 ? new InputResize(size, mode) : null;
        Spec = Spec with { InputSize = size, InputResize = mode };
    }

    /// <summary>The first layer of every model: x as the network sees it (resized when the spec asks for it).</summary>
    protected Tensor PrepareInput(Tensor x) => _resize is null ? x : _resize.Forward(x);

    /// <summary>
    /// Replaces the classifier with a new one for <paramref name="classes"/> classes: zero, or with
    /// PyTorch's default <c>nn.Linear</c> initialisation drawn from <paramref name="defaultInit"/>.
    /// </summary>
    public abstract void ReplaceHead(int classes, Random? defaultInit = null);

    /// <summary>Every convolution of the feature extractor, in state-dict order.</summary>
    public IEnumerable<(string Name, Conv2d Conv)> Convolutions() =>
        NamedModules().Where(m => m.Module is Conv2d).Select(m => (m.Name, (Conv2d)m.Module));

    /// <summary>Some convolution has a LoRA branch.</summary>
    public bool HasLora => Convolutions().Any(c => c.Conv.HasLora);

    /// <summary>
    /// Adds LoRA to every convolution except the stem; the shortcut (downsample) convolutions get it
    /// only with <paramref name="shortcuts"/> (the authors' high-resolution ResNet has none there).
    /// </summary>
    public void AddLora(int rank, Random rng, bool shortcuts = true)
    {
        foreach (var (name, conv) in Convolutions())
        {
            if (!ReferenceEquals(conv, Stem) && (shortcuts || !IsShortcut(name))) conv.AddLora(rank, rng);
        }
        Spec = Spec with { LoraRank = rank, LoraShortcuts = shortcuts };
    }

    /// <summary>A shortcut convolution by its state-dict name: torchvision's <c>downsample.0</c>, WRN's <c>convShortcut</c>.</summary>
    private static bool IsShortcut(string name) =>
        name.EndsWith(".downsample.0", StringComparison.Ordinal) || name.EndsWith(".convShortcut", StringComparison.Ordinal);

    /// <summary>Folds every LoRA branch into its weights: the result is the natural-path model without LoRA.</summary>
    public void MergeLora()
    {
        foreach (var (_, conv) in Convolutions())
        {
            if (conv.HasLora) conv.MergeLora();
        }
        Spec = Spec with { LoraRank = 0 };
    }

    /// <summary>Discards every LoRA branch, keeping W: the result is the main-path model without LoRA.</summary>
    public void RemoveLora()
    {
        foreach (var (_, conv) in Convolutions())
        {
            if (conv.HasLora) conv.RemoveLora();
        }
        Spec = Spec with { LoraRank = 0 };
    }

    /// <summary>Every batch-norm of the model (adaptive wings only: a frozen wing is reached through its owner), in state-dict order.</summary>
    public IEnumerable<(string Name, BatchNorm2d Norm)> BatchNorms() =>
        NamedModules().Where(m => m.Module is BatchNorm2d { FreezesStatistics: false }).Select(m => (m.Name, (BatchNorm2d)m.Module));

    /// <summary>True when the batch-norms carry TWINS frozen wings.</summary>
    public bool HasTwinNorms => BatchNorms().Any(b => b.Norm.FrozenWing is not null);

    /// <summary>
    /// Turns every batch-norm into a TWINS pair (<see cref="BatchNorm2d.AddFrozenWing"/>): both wings
    /// start from the current (pre-trained) state, the stem's, the blocks' and the shortcuts' alike.
    /// </summary>
    public void AddTwinNorms()
    {
        foreach (var (_, norm) in BatchNorms().ToList()) norm.AddFrozenWing();
        Spec = Spec with { TwinNorms = true };
    }

    /// <summary>Drops every frozen wing: the result is the plain model TWINS runs at inference (its adaptive wings).</summary>
    public void RemoveFrozenWings()
    {
        foreach (var (_, norm) in BatchNorms().ToList())
        {
            if (norm.FrozenWing is not null) norm.RemoveFrozenWing();
        }
        Spec = Spec with { TwinNorms = false };
    }

    /// <summary>Adds what the spec asks for beyond the base architecture (LoRA branches, TWINS wings); called by the constructors.</summary>
    protected void AddSpecExtras(int seed)
    {
        if (Spec.LoraRank > 0) AddLora(Spec.LoraRank, new Random(seed + 1), Spec.LoraShortcuts);
        if (Spec.TwinNorms) AddTwinNorms();
    }

    /// <summary>LoRA parameters only (A and B of every convolution).</summary>
    public IEnumerable<Tensor> LoraParameters() =>
        Convolutions().Where(c => c.Conv.HasLora).SelectMany(c => new[] { c.Conv.LoraA!, c.Conv.LoraB! });
}
