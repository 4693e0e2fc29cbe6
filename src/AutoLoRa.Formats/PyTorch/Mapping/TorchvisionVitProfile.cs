using System.Text.RegularExpressions;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// torchvision's <c>vit_b_16</c> family (<c>torchvision.models.VisionTransformer</c>) mapped onto
/// timm's names, which our vision transformers use. The two compute the same function, so this is
/// renaming only: torchvision's attention is <c>nn.MultiheadAttention</c>, whose stacked
/// <c>in_proj_weight</c> holds q, k and v in timm's <c>qkv</c> order and splits heads the same way;
/// its MLP is <c>mlp.0</c> and <c>mlp.3</c> (<c>linear_1</c>/<c>linear_2</c> before torchvision
/// 0.13); LayerNorm eps is 1e-6 in both.
/// </summary>
public sealed partial class TorchvisionVitProfile : KeyProfile
{
    /// <inheritdoc />
    public override string Name => "torchvision-vit";

    /// <inheritdoc />
    public override KeyDecision Map(string key)
    {
        string k = Strip(key, "module.");
        var block = BlockKey().Match(k);
        if (block.Success)
        {
            string? inner = block.Groups[2].Value switch
            {
                "ln_1.weight" => "norm1.weight",
                "ln_1.bias" => "norm1.bias",
                "self_attention.in_proj_weight" => "attn.qkv.weight",
                "self_attention.in_proj_bias" => "attn.qkv.bias",
                "self_attention.out_proj.weight" => "attn.proj.weight",
                "self_attention.out_proj.bias" => "attn.proj.bias",
                "ln_2.weight" => "norm2.weight",
                "ln_2.bias" => "norm2.bias",
                "mlp.0.weight" or "mlp.linear_1.weight" => "mlp.fc1.weight",
                "mlp.0.bias" or "mlp.linear_1.bias" => "mlp.fc1.bias",
                "mlp.3.weight" or "mlp.linear_2.weight" => "mlp.fc2.weight",
                "mlp.3.bias" or "mlp.linear_2.bias" => "mlp.fc2.bias",
                _ => null,
            };
            return KeyDecision.To(inner is null ? k : $"blocks.{block.Groups[1].Value}.{inner}");
        }
        return KeyDecision.To(k switch
        {
            "class_token" => "cls_token",
            "conv_proj.weight" => "patch_embed.proj.weight",
            "conv_proj.bias" => "patch_embed.proj.bias",
            "encoder.pos_embedding" => "pos_embed",
            "encoder.ln.weight" => "norm.weight",
            "encoder.ln.bias" => "norm.bias",
            "heads.head.weight" => "head.weight",
            "heads.head.bias" => "head.bias",
            _ => k,
        });
    }

    /// <summary>Whether <paramref name="key"/> is one of torchvision's encoder-layer names.</summary>
    public static bool IsTorchvisionVitKey(string key) => key.Contains("encoder.layers.encoder_layer_", StringComparison.Ordinal);

    [GeneratedRegex(@"^encoder\.layers\.encoder_layer_(\d+)\.(.+)$")]
    private static partial Regex BlockKey();
}
