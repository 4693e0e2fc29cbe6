using AutoLoRa.Nn.Layers;

namespace AutoLoRa.Training.Trainers;

/// <summary>How TWINS-TRADES normalises each wing's KL term.</summary>
public enum TwinsKlNormalization
{
    /// <summary>
    /// Paper-code parity (the default): each wing's KL, summed over its ≈B/2 samples, is divided by
    /// the configured batch size B₀, also on a short last batch. With full batches each wing's KL
    /// therefore weighs β/2 relative to a per-sample mean (3 instead of TRADES's 6) — probably an
    /// accident of the reference, but it is what produced the published numbers.
    /// </summary>
    NominalBatch,

    /// <summary>Each wing's KL averaged over its own samples, so each weighs β as in vanilla TRADES.</summary>
    PerWingMean,
}

/// <summary>
/// TWINS-TRADES's loss (twins-spec §2.5) from a split-mode clean and adversarial forward, whose
/// first ⌊N/2⌋ rows came through the frozen wing (F) and the rest through the adaptive wing (A):
/// natural = γ·CE(F) + CE(A); robust = γ·KL(F) + KL(A), KL(p_clean ‖ p_adv) normalised as chosen;
/// the step minimises natural + β·robust. γ weighs both of the frozen wing's terms.
/// </summary>
public static class TwinsLoss
{
    /// <summary>The natural and robust parts (kept apart for automatic scalars and the gradient-similarity diagnostic).</summary>
    /// <param name="clean">Logits of the clean batch (N, classes).</param>
    /// <param name="adversarial">Logits of its adversarial examples, same rows.</param>
    /// <param name="labels">int32 labels (N).</param>
    /// <param name="gamma">TWINS's γ.</param>
    /// <param name="nominalBatch">B₀, the configured batch size (used by <see cref="TwinsKlNormalization.NominalBatch"/>).</param>
    /// <param name="kl">The KL normalisation.</param>
    public static (Tensor Natural, Tensor Robust) Parts(Tensor clean, Tensor adversarial, Tensor labels, float gamma, int nominalBatch,
        TwinsKlNormalization kl = TwinsKlNormalization.NominalBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nominalBatch, 1);
        int n = clean.Shape[0];
        int frozen = BatchNorm2d.FrozenRows(n);
        var (naturalA, robustA) = Wing(clean, adversarial, labels, frozen, n - frozen, nominalBatch, kl);
        if (frozen == 0) return (naturalA, robustA);
        var (naturalF, robustF) = Wing(clean, adversarial, labels, 0, frozen, nominalBatch, kl);
        return (Ops.Add(Ops.Scale(naturalF, gamma), naturalA), Ops.Add(Ops.Scale(robustF, gamma), robustA));
    }

    /// <summary>Mean CE and the normalised KL of rows [start, start + count).</summary>
    private static (Tensor Natural, Tensor Robust) Wing(Tensor clean, Tensor adversarial, Tensor labels, int start, int count, int nominalBatch, TwinsKlNormalization kl)
    {
        var c = Ops.Rows(clean, start, count);
        var a = Ops.Rows(adversarial, start, count);
        var meanKl = Ops.KlDivergence(c, a);
        var robust = kl == TwinsKlNormalization.NominalBatch ? Ops.Scale(meanKl, (float)count / nominalBatch) : meanKl;
        return (Ops.CrossEntropy(c, Ops.Rows(labels, start, count)), robust);
    }
}
