using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models.Vit;

/// <summary>
/// timm's pre-norm <c>Block</c>: h + attn(norm1(h)), then h + mlp(norm2(h)). timm's layer scale
/// and stochastic depth are identities at the defaults its ViTs are published with, so they have
/// no state and are left out.
/// </summary>
public sealed class TransformerBlock : Module
{
    public TransformerBlock(Backend backend, Random rng, int width, int heads)
    {
        Norm1 = RegisterModule("norm1", new LayerNorm(backend, width));
        Attn = RegisterModule("attn", new SelfAttention(backend, rng, width, heads));
        Norm2 = RegisterModule("norm2", new LayerNorm(backend, width));
        Mlp = RegisterModule("mlp", new Mlp(backend, rng, width, VitSize.MlpRatio * width));
    }

    public LayerNorm Norm1 { get; }

    public SelfAttention Attn { get; }

    public LayerNorm Norm2 { get; }

    public Mlp Mlp { get; }

    public Tensor Forward(Tensor h, Branch branch)
    {
        h = Ops.Add(h, Attn.Forward(Norm1.Forward(h, branch), branch));
        return Ops.Add(h, Mlp.Forward(Norm2.Forward(h, branch), branch));
    }
}
