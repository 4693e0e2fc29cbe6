namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// RobustSSL_Benchmark-style ACL/DynACL checkpoints: a dual-BN ResNet whose batch-norms are
/// <c>bnX.bn_list.0</c> (natural route) and <c>bnX.bn_list.1</c> (adversarial route), a
/// shortcut named <c>downsample.conv</c>/<c>downsample.bn</c>, optionally a <c>backbone.</c>
/// prefix, and a contrastive projection head under <c>fc.*</c>. Like the benchmark's own
/// conversion (<c>cvt_state_dict</c> with <c>bnNameCnt = 1</c> for ACL/DynACL), the
/// adversarial route is kept by default, the other route and the head are dropped, and the
/// classifier is left for the caller to initialise.
/// </summary>
public sealed class RobustSslProfile : KeyProfile
{
    /// <summary>Creates the profile.</summary>
    /// <param name="bnRoute">Which dual-BN route becomes the single BN: 1 (adversarial, the benchmark's choice) or 0 (natural).</param>
    public RobustSslProfile(int bnRoute = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bnRoute);
        BnRoute = bnRoute;
    }

    /// <summary>The dual-BN route kept.</summary>
    public int BnRoute { get; }

    /// <inheritdoc />
    public override string Name => "robustssl";

    /// <inheritdoc />
    public override object? SelectStateDict(object? root) => Nested(root, "state_dict_dual", "state_dict", "model") ?? root;

    /// <inheritdoc />
    public override KeyDecision Map(string key)
    {
        string k = Strip(Strip(key, "module."), "backbone.");
        if (k.StartsWith("fc.", StringComparison.Ordinal) || k.StartsWith("head.", StringComparison.Ordinal) || k.StartsWith("projector.", StringComparison.Ordinal))
            return KeyDecision.Ignore("self-supervised projection head (the classifier is initialised for the downstream task)");
        int at = k.IndexOf(".bn_list.", StringComparison.Ordinal);
        if (at >= 0)
        {
            string rest = k[(at + ".bn_list.".Length)..];
            int dot = rest.IndexOf('.');
            if (dot < 0 || !int.TryParse(rest[..dot], out int route)) return KeyDecision.To(k);
            if (route != BnRoute) return KeyDecision.Ignore($"dual-BN route {route} (route {BnRoute} is kept)");
            k = k[..at] + "." + rest[(dot + 1)..];
        }
        else if (k.Contains("bn", StringComparison.Ordinal) && k.Contains("adv", StringComparison.Ordinal))
            return KeyDecision.Ignore("separate adversarial BN copy (dropped by the benchmark's conversion)");
        k = k.Replace(".downsample.conv.", ".downsample.0.", StringComparison.Ordinal)
             .Replace(".downsample.bn.", ".downsample.1.", StringComparison.Ordinal);
        return KeyDecision.To(k);
    }

    /// <inheritdoc />
    public override bool MayBeMissing(string target) => target.StartsWith("fc.", StringComparison.Ordinal);
}
