namespace AutoLoRa.Nn.Models;

/// <summary>
/// Which linear layers of a vision transformer's blocks carry LoRA, by their timm names.
/// <para>
/// The default is all four: <c>qkv</c> and <c>proj</c> of attention, <c>fc1</c> and <c>fc2</c> of
/// the MLP. On AutoLoRa's natural path every pre-trained weight is detached, so the LoRA factors
/// are the only way that path adapts the features: with LoRA on attention alone (LoRA's original
/// q/v choice for language models) the natural objective could not touch the MLPs, which hold two
/// thirds of a block's weights. All four is also what the convolutional models do (every
/// convolution but the stem) and what the PyTorch benchmark peer builds. The patch embedding and the
/// head never carry LoRA (the stem and the classifier of the ResNets).
/// </para>
/// </summary>
public static class VitLoraTargets
{
    /// <summary>The linear layers of a block, in block order.</summary>
    public static IReadOnlyList<string> Known { get; } = ["qkv", "proj", "fc1", "fc2"];

    /// <summary>Every known target, comma-separated as the command line takes them.</summary>
    public static string Default { get; } = string.Join(",", Known);

    /// <summary>The distinct targets of a comma-separated list, in <see cref="Known"/> order.</summary>
    /// <exception cref="ArgumentException">Empty, or a name that is not a target (the sentence names no setting: callers put theirs in front).</exception>
    public static IReadOnlyList<string> Parse(string targets)
    {
        var names = targets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0) throw new ArgumentException($"names no layer; name one or more of {Default}.");
        var unknown = names.FirstOrDefault(n => !Known.Contains(n));
        if (unknown is not null) throw new ArgumentException($"'{unknown}' is not a linear layer of a ViT block; choose from {Default}.");
        return Known.Where(names.Contains).ToList();
    }

    /// <summary>True when the layer at state-dict path <paramref name="name"/> (<c>blocks.3.mlp.fc1</c>) is one of <paramref name="targets"/>.</summary>
    public static bool Covers(IReadOnlyList<string> targets, string name) =>
        name.StartsWith("blocks.", StringComparison.Ordinal) && targets.Contains(name[(name.LastIndexOf('.') + 1)..]);
}
