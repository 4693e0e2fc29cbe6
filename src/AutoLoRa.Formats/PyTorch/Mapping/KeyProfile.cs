namespace AutoLoRa.Formats.PyTorch;

/// <summary>What a profile does with one checkpoint key: rename it, or leave it out and say why.</summary>
/// <param name="Target">The torchvision-style name, or null when the key is ignored.</param>
/// <param name="IgnoredBecause">Why the key is left out (shown in the report); null when mapped.</param>
public readonly record struct KeyDecision(string? Target, string? IgnoredBecause)
{
    /// <summary>Rename to <paramref name="target"/>.</summary>
    public static KeyDecision To(string target) => new(target, null);

    /// <summary>Leave the key out, for the given reason.</summary>
    public static KeyDecision Ignore(string reason) => new(null, reason);
}

/// <summary>
/// A checkpoint layout: which part of the saved object is the model's state dict, and how its
/// keys map onto our names: torchvision ResNet names (<c>layer1.0.bn1.running_var</c>, <c>fc.bias</c>) or timm vision transformer names (<c>blocks.0.attn.qkv.weight</c>).
/// </summary>
public abstract class KeyProfile
{
    /// <summary>The name used on the command line (<c>torchvision</c>, <c>robust-models-transfer</c>, <c>robustssl</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The state-dict node of a loaded checkpoint's root object.</summary>
    public virtual object? SelectStateDict(object? root) => Nested(root, "state_dict", "model") ?? root;

    /// <summary>Maps one key of the state dict.</summary>
    public abstract KeyDecision Map(string key);

    /// <summary>
    /// Expected names this layout does not carry on purpose (a self-supervised checkpoint has a
    /// projection head, not a classifier); reported, but not an error.
    /// </summary>
    public virtual bool MayBeMissing(string target) => false;

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>The first of <paramref name="keys"/> present in <paramref name="root"/> whose value is a dict.</summary>
    protected static PyDict? Nested(object? root, params string[] keys)
    {
        if (root is not PyDict dict) return null;
        foreach (var key in keys)
        {
            if (dict.TryGetValue(key, out var value) && value is PyDict inner) return inner;
        }
        return null;
    }

    /// <summary>Removes <paramref name="prefix"/> from the start of <paramref name="key"/> if present.</summary>
    protected static string Strip(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
}
