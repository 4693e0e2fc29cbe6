namespace AutoLoRa.Robust;

/// <summary>An L∞ evasion attack with a fixed ε.</summary>
public interface IAttack
{
    /// <summary>Name used in reports, progress and the resume state ("apgd-ce", "square", …).</summary>
    string Name { get; }

    /// <summary>
    /// Adversarial images for the batch (same layout as <see cref="AttackBatch.Images"/>), each within
    /// ε of its clean image in L∞ and inside [0, 1]. Images the attack did not break may be returned
    /// clean or perturbed; success is decided by the caller re-running the model.
    /// </summary>
    float[] Perturb(ILogitModel model, AttackBatch batch, Random rng);
}
