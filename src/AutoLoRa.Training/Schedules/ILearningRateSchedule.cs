namespace AutoLoRa.Training.Schedules;

/// <summary>What a schedule wants done after an epoch.</summary>
/// <param name="RestoreBest">Load the best-validation weights back (AutoLoRa's schedule after a halving).</param>
/// <param name="Stop">End training now.</param>
/// <param name="Note">A short explanation for the log ("halved: condition 1"), or null.</param>
public readonly record struct EpochDecision(bool RestoreBest, bool Stop, string? Note);

/// <summary>A learning-rate policy driven by epochs and validation robust accuracy, with state that survives a resume.</summary>
public interface ILearningRateSchedule
{
    /// <summary>"auto" or "step", for logs and checkpoints.</summary>
    string Kind { get; }

    /// <summary>The rate for the coming epoch.</summary>
    float Rate { get; }

    /// <summary>Takes the epoch's validation robust accuracy; says whether to restore the best weights or stop.</summary>
    EpochDecision AfterEpoch(int epoch, float validationRobustAccuracy);

    /// <summary>The state to save in a checkpoint.</summary>
    string ExportState();

    /// <summary>Continues from a state <see cref="ExportState"/> saved.</summary>
    void ImportState(string state);
}
