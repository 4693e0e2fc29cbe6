using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models.Vit;

/// <summary>timm's <c>Mlp</c>: <c>fc1</c> (D → hidden), exact GELU, <c>fc2</c> (hidden → D), applied to every token.</summary>
public sealed class Mlp : Module
{
    /// <summary>An MLP from <paramref name="width"/> through <paramref name="hidden"/> back to <paramref name="width"/>.</summary>
    public Mlp(Backend backend, Random rng, int width, int hidden)
    {
        Fc1 = RegisterModule("fc1", new Linear(backend, rng, width, hidden));
        Fc2 = RegisterModule("fc2", new Linear(backend, rng, hidden, width));
    }

    /// <summary>The expanding layer.</summary>
    public Linear Fc1 { get; }

    /// <summary>The contracting layer.</summary>
    public Linear Fc2 { get; }

    /// <summary>x (N, T, D) → (N, T, D).</summary>
    public Tensor Forward(Tensor x, Branch branch)
    {
        var rows = Ops.Reshape(x, new Shape(x.Shape[0] * x.Shape[1], x.Shape[2]));
        var hidden = Fc1.Forward(rows, branch);
        // The GELU between the linears (forward and backward) is charged to the MLP in a profile.
        using (OpProfiler.Layer(ProfileLabel)) hidden = Ops.Gelu(hidden);
        return Ops.Reshape(Fc2.Forward(hidden, branch), x.Shape);
    }
}
