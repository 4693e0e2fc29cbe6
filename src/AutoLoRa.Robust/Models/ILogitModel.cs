using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Robust;

/// <summary>
/// What an attack needs from a model: logits for a batch of images in [0, 1]. Attacks see nothing
/// else, so they can be run against scripted or analytic models in tests as well as classifiers.
/// </summary>
public interface ILogitModel
{
    /// <summary>The backend inputs must be uploaded to.</summary>
    Backend Backend { get; }

    /// <summary>
    /// Logits (N, classes) for x (N, C, H, W). Must record the tape when x requires a gradient
    /// (attacks differentiate through it); a model that does not is treated as having zero gradient.
    /// It must not keep the tensors it makes beyond the call: an attack step recycles them
    /// (<see cref="TensorScope.BeginRecycling"/>).
    /// </summary>
    Tensor Logits(Tensor x);
}
