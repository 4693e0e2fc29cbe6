namespace AutoLoRa.Training.Schedules;

/// <summary>Piecewise-constant learning rate: multiplied by γ at each milestone epoch (PyTorch's MultiStepLR).</summary>
public sealed class StepDecay
{
    /// <summary><paramref name="initialRate"/>, multiplied by <paramref name="gamma"/> at each of <paramref name="milestones"/>.</summary>
    public StepDecay(float initialRate, IReadOnlyList<int> milestones, float gamma = 0.1f)
    {
        if (!(initialRate > 0) || !(gamma > 0)) throw new ArgumentException($"Invalid step decay: rate {initialRate}, gamma {gamma}.");
        if (milestones.Any(m => m < 1)) throw new ArgumentException($"Learning-rate milestones must be positive epochs (got {string.Join(",", milestones)}).");
        InitialRate = initialRate;
        Milestones = [.. milestones.Order()];
        Gamma = gamma;
    }

    /// <summary>The rate before the first milestone.</summary>
    public float InitialRate { get; }

    /// <summary>Epochs at which the rate is multiplied by <see cref="Gamma"/>.</summary>
    public int[] Milestones { get; }

    /// <summary>The factor applied at each milestone.</summary>
    public float Gamma { get; }

    /// <summary>The rate used during 0-based epoch <paramref name="epoch"/>.</summary>
    public float RateAt(int epoch) => InitialRate * MathF.Pow(Gamma, Milestones.Count(m => epoch >= m));

    /// <summary>TWINS's script: divide by 10 at half and five sixths of the epochs (epochs 30 and 50 of 60; at least epoch 1).</summary>
    public static StepDecay TwinsDefault(float initialRate, int epochs) =>
        new(initialRate, [Math.Max(1, epochs / 2), Math.Max(1, epochs * 5 / 6)]);

    /// <summary>TRADES's default: divide by 10 at 50% and 83% of the epochs (at least epoch 1).</summary>
    public static StepDecay TradesDefault(float initialRate, int epochs) =>
        new(initialRate, [Math.Max(1, (int)(epochs * 0.5)), Math.Max(1, (int)(epochs * 0.83))]);
}
