using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models;

/// <summary>
/// An image classifier: an optional input resize, input normalisation, a feature extractor
/// (convolutional, or a vision transformer) and a linear head. Takes pixels in [0, 1]; returns logits.
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
        var resized = Spec with { InputSize = size, InputResize = mode };
        // A vision transformer's grid is fixed when it is built: the size must be the one it was built for.
        resized.Validate();
        _resize = size > 0 ? new InputResize(size, mode) : null;
        Spec = resized;
    }

    /// <summary>The first layer of every model: x as the network sees it (resized when the spec asks for it).</summary>
    protected Tensor PrepareInput(Tensor x) => _resize is null ? x : _resize.Forward(x);

    /// <summary>
    /// Replaces the classifier with a new one for <paramref name="classes"/> classes: zero, or with
    /// PyTorch's default <c>nn.Linear</c> initialisation drawn from <paramref name="defaultInit"/>.
    /// </summary>
    public abstract void ReplaceHead(int classes, Random? defaultInit = null);

    /// <summary>Every convolution of the model, in state-dict order.</summary>
    public IEnumerable<(string Name, Conv2d Conv)> Convolutions() =>
        NamedModules().Where(m => m.Module is Conv2d).Select(m => (m.Name, (Conv2d)m.Module));

    /// <summary>
    /// Every layer of the feature extractor that can carry LoRA (convolutions, a transformer's
    /// linear layers; not the head), in state-dict order.
    /// </summary>
    public IEnumerable<(string Name, LoraLayer Layer)> FeatureLayers() =>
        NamedModules().Where(m => m.Module is LoraLayer && !ReferenceEquals(m.Module, Head)).Select(m => (m.Name, (LoraLayer)m.Module));

    /// <summary>Some feature layer has a LoRA branch.</summary>
    public bool HasLora => FeatureLayers().Any(l => l.Layer.HasLora);

    /// <summary>
    /// Adds rank-<paramref name="rank"/> LoRA to the layers the model's rule picks (<see cref="TakesLora"/>):
    /// a convolutional model's every convolution but the stem, the shortcuts only with
    /// <paramref name="shortcuts"/> (the authors' high-resolution ResNet has none there); a vision
    /// transformer's block linears named in <paramref name="targets"/> (null: <see cref="VitLoraTargets.Default"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Targets for a model without them, or an unknown target.</exception>
    public void AddLora(int rank, Random rng, bool shortcuts = true, string? targets = null)
    {
        var chosen = targets is null ? null : VitLoraTargets.Parse(targets);
        foreach (var (name, layer) in FeatureLayers().ToList())
        {
            if (TakesLora(name, layer, shortcuts, chosen)) layer.AddLora(rank, rng);
        }
        Spec = Spec with { LoraRank = rank, LoraShortcuts = shortcuts, LoraTargets = chosen is null ? null : string.Join(",", chosen) };
    }

    /// <summary>Whether <see cref="AddLora"/> gives the feature layer at <paramref name="name"/> a branch.</summary>
    protected abstract bool TakesLora(string name, LoraLayer layer, bool shortcuts, IReadOnlyList<string>? targets);

    /// <summary>The convolutional models' rule: every convolution but <paramref name="stem"/>; shortcuts only when asked.</summary>
    /// <exception cref="ArgumentException">Targets were given: they name transformer layers.</exception>
    protected static bool ConvolutionTakesLora(string name, LoraLayer layer, Conv2d stem, bool shortcuts, IReadOnlyList<string>? targets)
    {
        if (targets is not null) throw new ArgumentException($"lora-targets ({string.Join(",", targets)}) chooses a vision transformer's linear layers; a convolutional model puts LoRA on every convolution but the stem (leave it out).");
        return !ReferenceEquals(layer, stem) && (shortcuts || !IsShortcut(name));
    }

    /// <summary>A shortcut convolution by its state-dict name: torchvision's <c>downsample.0</c>, WRN's <c>convShortcut</c>.</summary>
    private static bool IsShortcut(string name) =>
        name.EndsWith(".downsample.0", StringComparison.Ordinal) || name.EndsWith(".convShortcut", StringComparison.Ordinal);

    /// <summary>Folds every LoRA branch into its weights: the result is the natural-path model without LoRA.</summary>
    public void MergeLora()
    {
        foreach (var (_, layer) in FeatureLayers())
        {
            if (layer.HasLora) layer.MergeLora();
        }
        Spec = Spec with { LoraRank = 0, LoraTargets = null };
    }

    /// <summary>Discards every LoRA branch, keeping W: the result is the main-path model without LoRA.</summary>
    public void RemoveLora()
    {
        foreach (var (_, layer) in FeatureLayers())
        {
            if (layer.HasLora) layer.RemoveLora();
        }
        Spec = Spec with { LoraRank = 0, LoraTargets = null };
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
        if (Spec.LoraRank > 0) AddLora(Spec.LoraRank, new Random(seed + 1), Spec.LoraShortcuts, Spec.LoraTargets);
        if (Spec.TwinNorms) AddTwinNorms();
    }

    /// <summary>LoRA parameters only (A and B of every layer that has them).</summary>
    public IEnumerable<Tensor> LoraParameters() =>
        FeatureLayers().Where(l => l.Layer.HasLora).SelectMany(l => new[] { l.Layer.LoraA!, l.Layer.LoraB! });
}
