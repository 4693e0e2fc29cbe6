namespace AutoLoRa.Training.Schedules;

/// <summary>
/// AutoLoRa's loss weights (paper Eq. 6–7): λ1 = 1 − SA^α and λ2 = λ2max·SA^α, where SA is the
/// natural branch's clean accuracy on training data. While the natural branch is poor, the loss
/// leans on its CE (λ1 large) and little on the KL towards it; as it improves, the KL grows.
/// With <see cref="Fixed"/> the weights never change (the ablation without automatic scalars).
/// </summary>
public sealed class AutomaticScalars
{
    private readonly bool _automatic;

    private AutomaticScalars(bool automatic, float lambda1, float lambda2, float alpha, float lambda2Max)
    {
        _automatic = automatic;
        Lambda1 = lambda1;
        Lambda2 = lambda2;
        Alpha = alpha;
        Lambda2Max = lambda2Max;
    }

    /// <summary>Automatic weights; before the first measurement SA is taken as 0 (λ1 = 1, λ2 = 0).</summary>
    public static AutomaticScalars Automatic(float alpha = 1f, float lambda2Max = 6f)
    {
        if (!(alpha > 0) || !(lambda2Max >= 0)) throw new ArgumentException($"Invalid automatic scalars: alpha {alpha}, lambda2-max {lambda2Max}.");
        return new(true, 1f, 0f, alpha, lambda2Max);
    }

    /// <summary>Weights that stay <paramref name="lambda1"/> and <paramref name="lambda2"/>.</summary>
    public static AutomaticScalars Fixed(float lambda1, float lambda2) => new(false, lambda1, lambda2, 1f, lambda2);

    /// <summary>The weight of the natural branch's CE.</summary>
    public float Lambda1 { get; private set; }

    /// <summary>The weight of the KL between the adversarial and natural outputs.</summary>
    public float Lambda2 { get; private set; }

    /// <summary>α of λ1 = 1 − SA^α and λ2 = λ2max·SA^α.</summary>
    public float Alpha { get; }

    /// <summary>λ2max, λ2 at SA = 1.</summary>
    public float Lambda2Max { get; }

    /// <summary>The weights follow SA (false: <see cref="Fixed"/>).</summary>
    public bool IsAutomatic => _automatic;

    /// <summary>Updates the weights from a fresh natural-branch accuracy in [0, 1] (ignored when fixed).</summary>
    public void Update(float naturalAccuracy)
    {
        if (!_automatic) return;
        if (!(naturalAccuracy >= 0 && naturalAccuracy <= 1)) throw new ArgumentOutOfRangeException(nameof(naturalAccuracy), naturalAccuracy, "Accuracy must be in [0, 1].");
        float sa = MathF.Pow(naturalAccuracy, Alpha);
        Lambda1 = 1f - sa;
        Lambda2 = Lambda2Max * sa;
    }

    /// <summary>Restores λ values from a checkpoint.</summary>
    public void Restore(float lambda1, float lambda2)
    {
        Lambda1 = lambda1;
        Lambda2 = lambda2;
    }
}
