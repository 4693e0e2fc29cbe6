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
        using var label = OpProfiler.Layer(ProfileLabel);
        // (N, T, 3·H, Dh) → (N, 3·H, T, Dh) → viewed (N, 3, H·T·Dh) → (3, N, H·T·Dh): q, k and v are then whole leading rows.
        var byHead = Ops.SwapAxes(Ops.Reshape(qkv, new Shape(n, t, 3 * _heads, dh)), 1);
        var parts = Ops.SwapAxes(Ops.Reshape(byHead, new Shape(n, 3, _heads * t * dh)), 0);
        var heads = new Shape(n, _heads, t, dh);
        var o = Ops.Attention(Ops.Reshape(Ops.Rows(parts, 0, 1), heads), Ops.Reshape(Ops.Rows(parts, 1, 1), heads),
            Ops.Reshape(Ops.Rows(parts, 2, 1), heads), 1f / MathF.Sqrt(dh));
        // (N, H, T, Dh) → (N, T, H, Dh) = (N·T, D): the heads side by side, as the projection expects them.
        var merged = Ops.Reshape(Ops.SwapAxes(o, 1), new Shape(n * t, d));
        return Ops.Reshape(Proj.Forward(merged, branch), x.Shape);
    }
}
