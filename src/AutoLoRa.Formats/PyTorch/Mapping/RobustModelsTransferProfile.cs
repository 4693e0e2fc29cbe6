namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// MadryLab robustness / robust-models-transfer checkpoints: <c>{'model': state_dict, 'optimizer': …}</c>
/// where the state dict is that of <c>DataParallel(AttackerModel)</c>. Only <c>module.model.*</c>
/// is the classifier; <c>module.attacker.model.*</c> is the same tensors again, and the two
/// <c>normalizer</c>s hold ImageNet mean/std, which our models apply internally.
/// </summary>
public sealed class RobustModelsTransferProfile : KeyProfile
{
    /// <inheritdoc />
    public override string Name => "robust-models-transfer";

    /// <inheritdoc />
    public override object? SelectStateDict(object? root) => Nested(root, "model", "state_dict") ?? root;

    /// <inheritdoc />
    public override KeyDecision Map(string key)
    {
        string k = Strip(key, "module.");
        if (k.StartsWith("model.", StringComparison.Ordinal)) return KeyDecision.To(k["model.".Length..]);
        if (k.StartsWith("attacker.", StringComparison.Ordinal)) return KeyDecision.Ignore("the attacker's copy of the classifier (same tensors as model.*)");
        if (k.StartsWith("normalizer.", StringComparison.Ordinal)) return KeyDecision.Ignore("input normaliser (ImageNet mean/std; our models normalise internally)");
        return KeyDecision.To(k);
    }
}
