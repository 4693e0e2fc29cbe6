namespace AutoLoRa.Formats.PyTorch;

/// <summary>Profiles by name, and detection of the layout from a checkpoint's keys.</summary>
public static class KeyProfiles
{
    /// <summary>Names accepted by <see cref="Get"/> (<c>auto</c> included).</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "torchvision", "torchvision-vit", "robust-models-transfer", "robustssl"];

    /// <summary>The profile called <paramref name="name"/>; null for <c>auto</c> (detect per file).</summary>
    /// <exception cref="ArgumentException">An unknown name; the message lists the known ones.</exception>
    public static KeyProfile? Get(string name) => name switch
    {
        "auto" => null,
        "torchvision" => new TorchvisionProfile(),
        "torchvision-vit" => new TorchvisionVitProfile(),
        "robust-models-transfer" or "rmt" => new RobustModelsTransferProfile(),
        "robustssl" => new RobustSslProfile(),
        _ => throw new ArgumentException($"unknown key profile '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>
    /// Picks a profile from what the checkpoint holds: dual-BN <c>bn_list</c> names mean a
    /// RobustSSL checkpoint, <c>model.</c>/<c>attacker.</c>/<c>normalizer.</c> under the state
    /// dict mean robust-models-transfer, torchvision's <c>encoder.layers.encoder_layer_N</c> names mean
    /// its vision transformer; anything else is taken as torchvision (whose keys pass unchanged, so
    /// timm's vision transformer names load as they are).
    /// </summary>
    public static KeyProfile Detect(TorchCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var robustSsl = new RobustSslProfile();
        if (Keys(checkpoint, robustSsl).Any(k => k.Contains(".bn_list.", StringComparison.Ordinal)))
            return robustSsl;
        var rmt = new RobustModelsTransferProfile();
        var rmtKeys = Keys(checkpoint, rmt).Select(k => k.StartsWith("module.", StringComparison.Ordinal) ? k["module.".Length..] : k).ToList();
        if (rmtKeys.Any(k => k.StartsWith("model.", StringComparison.Ordinal))
            && rmtKeys.Any(k => k.StartsWith("attacker.", StringComparison.Ordinal) || k.StartsWith("normalizer.", StringComparison.Ordinal)))
            return rmt;
        var torchvision = new TorchvisionProfile();
        if (Keys(checkpoint, torchvision).Any(TorchvisionVitProfile.IsTorchvisionVitKey)) return new TorchvisionVitProfile();
        return torchvision;
    }

    private static IEnumerable<string> Keys(TorchCheckpoint checkpoint, KeyProfile profile) =>
        checkpoint.Tensors(profile.SelectStateDict(checkpoint.Root) ?? checkpoint.Root).Select(p => p.Key);
}
