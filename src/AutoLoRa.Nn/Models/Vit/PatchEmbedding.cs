using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Nn.Models.Vit;

/// <summary>
/// timm's <c>PatchEmbed</c>: a convolution <c>proj</c> with kernel and stride equal to the patch
/// side (each patch linearly embedded), its (N, D, gh, gw) output read as (N, gh·gw, D) tokens in
/// row-major patch order.
/// </summary>
public sealed class PatchEmbedding : Module
{
    /// <summary>An embedding of <paramref name="patch"/>×<paramref name="patch"/> patches of <paramref name="inChannels"/>-channel images into <paramref name="width"/>-wide tokens.</summary>
    public PatchEmbedding(Backend backend, Random rng, int inChannels, int width, int patch)
    {
        Proj = RegisterModule("proj", new Conv2d(backend, rng, inChannels, width, patch, stride: patch, bias: true));
    }

    /// <summary>The patch projection (a convolution with kernel and stride equal to the patch side).</summary>
    public Conv2d Proj { get; }

    /// <summary>x (N, C, H, W) → (N, (H/p)·(W/p), D).</summary>
    public Tensor Forward(Tensor x, Branch branch)
    {
        var grid = Proj.Forward(x, branch);
        int n = grid.Shape[0], d = grid.Shape[1];
        return Ops.SwapAxes(Ops.Reshape(grid, new Shape(n, d, grid.Shape[2] * grid.Shape[3])), 1);
    }
}
