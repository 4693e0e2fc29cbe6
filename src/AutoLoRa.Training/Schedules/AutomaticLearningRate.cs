namespace AutoLoRa.Training.Schedules;

/// <summary>Why the automatic schedule halved the learning rate at a checkpoint.</summary>
public enum HalvingReason
{
    /// <summary>Not halved.</summary>
    None,

    /// <summary>Validation robust accuracy rose between consecutive epochs in fewer than ρ of the epochs since the previous checkpoint.</summary>
    Condition1,

    /// <summary>The rate was not halved at the previous checkpoint and the best validation robust accuracy has not improved since.</summary>
    Condition2,
}

/// <summary>What the schedule decided after an epoch.</summary>
/// <param name="IsNewBest">This epoch's validation robust accuracy beats every earlier one: keep these weights.</param>
/// <param name="Halving">Non-None when the rate was halved; the caller then restores the best weights.</param>
/// <param name="Stop">The rate fell below the minimum: training ends.</param>
public readonly record struct LearningRateDecision(bool IsNewBest, HalvingReason Halving, bool Stop)
{
    /// <summary>The rate was halved: the caller restores the best weights.</summary>
    public bool RestoreBest => Halving != HalvingReason.None;
}

/// <summary>Serializable state of <see cref="AutomaticLearningRate"/>, for checkpoints.</summary>
public sealed record AutomaticLearningRateState(float Rate, float[] History, float Best, int PreviousCheckpoint, bool HalvedAtPreviousCheckpoint, float BestAtPreviousCheckpoint);

/// <summary>
/// AutoLoRa's automatic learning rate (paper §4.2, after APGD's step-size rule): start at η0,
/// check at epochs 0, P, 2P, … (0-based epoch indices, P = 4); at each check halve η and restore
/// the best-validation-robust weights if (1) the validation robust accuracy increased from one epoch
/// to the next in fewer than ρ·P of the epochs since the previous check, or (2) η was not halved at
/// the previous check and the best accuracy has not improved since then. Training stops once η
/// falls below the minimum.
/// </summary>
/// <remarks>
/// Condition 2 follows the paper (and APGD) by default. The reference code
/// (<c>AutoLoRa_high_resolution.py</c> L200–209 at 55455ce) compares two entries of its eta list
/// that its bookkeeping makes equal from the second check on, which reduces the condition there
/// to "no improvement since the previous check" (the two differ only right after a halving); at
/// the first check it cannot fire. <c>referenceBookkeeping</c> does exactly that.
/// </remarks>
public sealed class AutomaticLearningRate
{
    private readonly List<float> _history = [];
    private float _best = float.NegativeInfinity;
    private int _previousCheckpoint;
    private bool _halvedAtPreviousCheckpoint;
    private float _bestAtPreviousCheckpoint = float.NegativeInfinity;

    /// <summary>The rule from <paramref name="initialRate"/>, checked every <paramref name="period"/> epochs against the share <paramref name="rho"/>, ending below <paramref name="minimumRate"/>; <paramref name="referenceBookkeeping"/> follows the authors' code (README, Protocol).</summary>
    public AutomaticLearningRate(float initialRate = 0.01f, int period = 4, float rho = 0.75f, float minimumRate = 1e-5f, bool referenceBookkeeping = false)
    {
        if (!(initialRate > 0) || period < 1 || !(rho > 0 && rho <= 1) || !(minimumRate > 0))
        {
            throw new ArgumentException($"Invalid automatic learning-rate settings: rate {initialRate}, period {period}, rho {rho}, minimum {minimumRate}.");
        }
        (Rate, Period, Rho, MinimumRate) = (initialRate, period, rho, minimumRate);
        ReferenceBookkeeping = referenceBookkeeping;
    }

    /// <summary>Condition 2 as the reference code evaluates it (see the remarks).</summary>
    public bool ReferenceBookkeeping { get; }

    /// <summary>The current learning rate.</summary>
    public float Rate { get; private set; }

    /// <summary>Epochs between checkpoints.</summary>
    public int Period { get; }

    /// <summary>ρ of condition 1.</summary>
    public float Rho { get; }

    /// <summary>Training stops when the rate falls below it.</summary>
    public float MinimumRate { get; }

    /// <summary>Validation robust accuracy per epoch so far.</summary>
    public IReadOnlyList<float> History => _history;

    /// <summary>Records epoch <c>History.Count</c>'s validation robust accuracy and decides.</summary>
    public LearningRateDecision Record(float validationRobustAccuracy)
    {
        int epoch = _history.Count;
        _history.Add(validationRobustAccuracy);
        bool isNewBest = validationRobustAccuracy > _best;
        if (isNewBest) _best = validationRobustAccuracy;

        var halving = HalvingReason.None;
        if (epoch > 0 && epoch % Period == 0)
        {
            int increases = 0;
            for (int j = _previousCheckpoint; j < epoch; j++)
            {
                if (_history[j + 1] > _history[j]) increases++;
            }
            if (increases < Rho * (epoch - _previousCheckpoint)) halving = HalvingReason.Condition1;
            else if (NotHalvedLastTime() && _best == _bestAtPreviousCheckpoint) halving = HalvingReason.Condition2;

            if (halving != HalvingReason.None) Rate /= 2;
            _halvedAtPreviousCheckpoint = halving != HalvingReason.None;
            _bestAtPreviousCheckpoint = _best;
            _previousCheckpoint = epoch;
        }
        return new LearningRateDecision(isNewBest, halving, Rate < MinimumRate);
    }

    /// <summary>Condition 2's first half: the paper's "not halved at the previous check", or the reference's "this is not the first check".</summary>
    private bool NotHalvedLastTime() => ReferenceBookkeeping ? _previousCheckpoint > 0 : !_halvedAtPreviousCheckpoint;

    /// <summary>The state to save in a checkpoint.</summary>
    public AutomaticLearningRateState ExportState() =>
        new(Rate, [.. _history], _best, _previousCheckpoint, _halvedAtPreviousCheckpoint, _bestAtPreviousCheckpoint);

    /// <summary>Continues from a state <see cref="ExportState"/> saved.</summary>
    public void ImportState(AutomaticLearningRateState state)
    {
        Rate = state.Rate;
        _history.Clear();
        _history.AddRange(state.History);
        _best = state.Best;
        _previousCheckpoint = state.PreviousCheckpoint;
        _halvedAtPreviousCheckpoint = state.HalvedAtPreviousCheckpoint;
        _bestAtPreviousCheckpoint = state.BestAtPreviousCheckpoint;
    }
}
