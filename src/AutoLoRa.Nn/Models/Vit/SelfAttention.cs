using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Profiling;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models.Vit;

/// <summary>
/// Multi-head self-attention as timm's <c>Attention</c>: one <c>qkv</c> linear (D → 3·D, the
/// q, k, v blocks in that order, each split into heads of Dh = D/H), scaled dot-product attention
/// per head (scale 1/√Dh), heads concatenated and projected by <c>proj</c> (D → D).
/// </summary>
public sealed class SelfAttention : Module
{
    private readonly int _heads;

    /// <summary>Attention over <paramref name="width"/>-wide tokens with <paramref name="heads"/> heads, its linears initialised from <paramref name="rng"/>.</summary>
    public SelfAttention(Backend backend, Random rng, int width, int heads)
    {
        if (heads < 1 || width % heads != 0) throw new ArgumentException($"A width of {width} does not split into {heads} equal heads.");
        _heads = heads;
        Qkv = RegisterModule("qkv", new Linear(backend, rng, width, 3 * width));
        Proj = RegisterModule("proj", new Linear(backend, rng, width, width));
    }

    /// <summary>The D → 3·D projection to queries, keys and values.</summary>
    public Linear Qkv { get; }

    /// <summary>The D → D projection of the concatenated heads.</summary>
    public Linear Proj { get; }

    /// <summary>x (N, T, D) → (N, T, D).</summary>
    public Tensor Forward(Tensor x, Branch branch)
    {
        int n = x.Shape[0], t = x.Shape[1], d = x.Shape[2], dh = d / _heads;
        var qkv = Qkv.Forward(Ops.Reshape(x, new Shape(n * t, d)), branch);
        Tensor merged;
        // The scaled dot-product attention itself, forward and backward, is charged to this
        // module's label, apart from the qkv and proj linears around it.
        using (OpProfiler.Layer(ProfileLabel))
        {
            // Each head is read in place from qkv (N, T, 3·D) and written in place as (N, T, H·Dh):
            // no head is copied out or back, and the projection takes the heads side by side.
            merged = Ops.MultiHeadAttention(Ops.Reshape(qkv, new Shape(n, t, 3 * d)), _heads, 1f / MathF.Sqrt(dh));
        }
        return Ops.Reshape(Proj.Forward(Ops.Reshape(merged, new Shape(n * t, d)), branch), x.Shape);
    }
}
