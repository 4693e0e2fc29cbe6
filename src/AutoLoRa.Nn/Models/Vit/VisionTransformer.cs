using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models.Vit;

/// <summary>
/// A vision transformer laid out as timm's <c>VisionTransformer</c> (class token, learned position
/// embedding, pre-norm blocks, final norm, linear head on the class token), with timm's state-dict
/// names: <c>cls_token</c> (1, 1, D), <c>pos_embed</c> (1, 1 + P, D), <c>patch_embed.proj</c>,
/// <c>blocks.i.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}</c>, <c>norm</c>, <c>head</c>.
/// Sizes are <see cref="VitSize"/>; the patch grid is laid out for <see cref="ModelSpec.VitImageSize()"/>.
/// <para>
/// On the natural path everything but the LoRA factors and the head is detached (patch embedding,
/// class token, position embedding, LayerNorm affines, linear weights and biases), as the
/// convolutional models detach their convolutions and batch-norm affines.
/// </para>
/// </summary>
public sealed class VisionTransformer : Classifier
{
    private readonly InputNormalization _normalize;
    private readonly PatchEmbedding _patchEmbed;
    private readonly Sequence<TransformerBlock> _blocks;
    private readonly LayerNorm _norm;
    private Linear _head;

    /// <summary>The vision transformer <paramref name="spec"/> describes, initialised from <paramref name="seed"/> as timm initialises its embeddings.</summary>
    public VisionTransformer(Backend backend, ModelSpec spec, int seed) : base(spec)
    {
        Size = VitSize.Of(spec.Architecture);
        int grid = Size.Grid(spec.VitImageSize()), width = Size.Width;
        var rng = new Random(seed);
        _normalize = new InputNormalization(backend, spec.EffectiveMean, spec.EffectiveStd);
        // timm's initialisation of the two embeddings: the class token near zero, the positions N(0, 0.02²).
        ClassToken = RegisterParameter("cls_token", Tensor.FromArray(backend, Init.Normal(rng, width, 0f, 1e-6f), new Shape(1, 1, width)));
        PositionEmbedding = RegisterParameter("pos_embed",
            Tensor.FromArray(backend, Init.Normal(rng, (1 + grid * grid) * width, 0f, 0.02f), new Shape(1, 1 + grid * grid, width)));
        _patchEmbed = RegisterModule("patch_embed", new PatchEmbedding(backend, rng, spec.InChannels, width, Size.Patch));
        _blocks = RegisterModule("blocks", new Sequence<TransformerBlock>());
        for (int i = 0; i < Size.Depth; i++) _blocks.Add(new TransformerBlock(backend, rng, width, Size.Heads));
        _norm = RegisterModule("norm", new LayerNorm(backend, width));
        _head = RegisterModule("head", new Linear(backend, rng, width, spec.Classes));
        AddSpecExtras(seed);
    }

    /// <summary>Patch, width, depth and heads.</summary>
    public VitSize Size { get; }

    /// <summary>Patches per side of the grid the position embedding is laid out for.</summary>
    public int Grid => Size.Grid(Spec.VitImageSize());

    /// <summary>The learned class token (1, 1, D), put in front of every sequence.</summary>
    public Tensor ClassToken { get; }

    /// <summary>The learned position embedding (1, 1 + grid², D), class token's first.</summary>
    public Tensor PositionEmbedding { get; }

    /// <inheritdoc/>
    public override Linear Head => _head;

    /// <inheritdoc/>
    public override void ReplaceHead(int classes, Random? defaultInit = null)
    {
        _head = ReplaceModule("head", new Linear(_head.Weight.Backend, defaultInit ?? new Random(0), Size.Width, classes, zeroInit: defaultInit is null));
        Spec = Spec with { Classes = classes };
    }

    /// <inheritdoc/>
    protected override bool TakesLora(string name, LoraLayer layer, bool shortcuts, IReadOnlyList<string>? targets) =>
        VitLoraTargets.Covers(targets ?? VitLoraTargets.Known, name);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, Branch branch = Branch.Main)
    {
        var input = PrepareInput(x);
        int side = Grid * Size.Patch;
        if (input.Shape.Rank != 4 || input.Shape[2] != side || input.Shape[3] != side)
        {
            throw new ArgumentException(
                $"{Spec.Architecture}: input {input.Shape} is not the {side}×{side} images its position embedding is laid out for; " +
                $"build the model for this image size (image-size), or resize inputs inside the model (input-size {side}).");
        }
        bool natural = branch == Branch.Natural;
        var h = _patchEmbed.Forward(_normalize.Forward(input), branch);
        h = Ops.PrependToken(h, natural ? ClassToken.Detach() : ClassToken);
        h = Ops.AddToEachSample(h, natural ? PositionEmbedding.Detach() : PositionEmbedding);
        foreach (var block in _blocks.Items) h = block.Forward(h, branch);
        // LayerNorm works token by token, so normalising the class token alone gives what timm's norm-then-select gives.
        return _head.Forward(_norm.Forward(Ops.Token(h, 0), branch));
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _normalize.Dispose();
        base.Dispose();
    }
}
