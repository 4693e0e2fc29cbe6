using System.Globalization;

namespace AutoLoRa.Training.Schedules;

/// <summary><see cref="StepDecay"/> as an epoch schedule: the rate depends on the epoch alone.</summary>
public sealed class StepSchedule(StepDecay decay) : ILearningRateSchedule
{
    private int _nextEpoch;

    /// <inheritdoc/>
    public string Kind => "step";

    /// <inheritdoc/>
    public float Rate => decay.RateAt(_nextEpoch);

    /// <inheritdoc/>
    public EpochDecision AfterEpoch(int epoch, float validationRobustAccuracy)
    {
        _nextEpoch = epoch + 1;
        return new EpochDecision(false, false, null);
    }

    /// <inheritdoc/>
    public string ExportState() => _nextEpoch.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public void ImportState(string state) => _nextEpoch = int.Parse(state, CultureInfo.InvariantCulture);
}
