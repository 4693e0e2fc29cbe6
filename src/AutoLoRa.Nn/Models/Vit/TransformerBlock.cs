using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models.Vit;

/// <summary>
/// timm's pre-norm <c>Block</c>: h + attn(norm1(h)), then h + mlp(norm2(h)). timm's layer scale
/// and stochastic depth are identities at the defaults its ViTs are published with, so they have
/// no state and are left out.
/// </summary>
public sealed class TransformerBlock : Module
{
    /// <summary>A block over <paramref name="width"/>-wide tokens with <paramref name="heads"/> attention heads.</summary>
    public TransformerBlock(Backend backend, Random rng, int width, int heads)
    {
        Norm1 = RegisterModule("norm1", new LayerNorm(backend, width));
        Attn = RegisterModule("attn", new SelfAttention(backend, rng, width, heads));
        Norm2 = RegisterModule("norm2", new LayerNorm(backend, width));
        Mlp = RegisterModule("mlp", new Mlp(backend, rng, width, VitSize.MlpRatio * width));
    }

    /// <summary>The norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Multi-head self-attention.</summary>
    public SelfAttention Attn { get; }

    /// <summary>The norm before the MLP.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The token-wise MLP.</summary>
    public Mlp Mlp { get; }

    /// <summary>h (N, T, D) → (N, T, D) along <paramref name="branch"/>.</summary>
    public Tensor Forward(Tensor h, Branch branch)
    {
        // The residual sums are charged to the block in a profile; its layers label their own work.
        using var label = OpProfiler.Layer(ProfileLabel);
        h = Ops.Add(h, Attn.Forward(Norm1.Forward(h, branch), branch));
        return Ops.Add(h, Mlp.Forward(Norm2.Forward(h, branch), branch));
    }
}
