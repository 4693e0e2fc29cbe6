namespace AutoLoRa.Training.Checkpoints;

/// <summary>Everything besides tensors that a resumed run needs, stored as JSON in the checkpoint's metadata.</summary>
public sealed record RunState(
    int FormatVersion,
    string Method,
    int CompletedEpochs,
    string ScheduleKind,
    string ScheduleState,
    Dictionary<string, float> Scalars,
    List<EpochRecord> History,
    bool HasBest)
{
    /// <summary>The version this build writes; others are refused on resume.</summary>
    public const int CurrentVersion = 1;
}
