namespace AutoLoRa.Core.Autograd;

/// <summary>
/// Told by <see cref="Backward.Run(Tensor, IGradientReadyListener?)"/> the moment a leaf's gradient
/// is final, while the rest of the backward pass still runs — so a data-parallel step can start
/// averaging the gradients of the last layers while the first layers' are being computed.
/// </summary>
public interface IGradientReadyListener
{
    /// <summary><paramref name="leaf"/>.Grad now holds its whole gradient of this pass; it is not written again.</summary>
    void GradientReady(Tensor leaf);
}
