namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// A plain torchvision state dict (<c>model.state_dict()</c>), possibly saved from
/// <c>nn.DataParallel</c> (every key prefixed <c>module.</c>) or nested under
/// <c>state_dict</c>/<c>model</c> in a training checkpoint. Keys keep their names.
/// </summary>
public sealed class TorchvisionProfile : KeyProfile
{
    /// <inheritdoc />
    public override string Name => "torchvision";

    /// <inheritdoc />
    public override KeyDecision Map(string key) => KeyDecision.To(Strip(key, "module."));
}
