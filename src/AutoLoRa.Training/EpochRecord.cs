using System.Text.Json.Serialization;
using AutoLoRa.Training.Analysis;

namespace AutoLoRa.Training;

/// <summary>
/// One line of the run log: what an epoch did and measured (the gradient similarity only when
/// tracked; the test accuracies only when the run selects its checkpoint on the test set).
/// </summary>
public sealed record EpochRecord(
    int Epoch,
    float LearningRate,
    float Loss,
    float ValidationCleanAccuracy,
    float ValidationRobustAccuracy,
    double Seconds,
    IReadOnlyDictionary<string, float> Scalars,
    string? Note,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<PairSimilarity>? GradientSimilarity = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? TestCleanAccuracy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? TestRobustAccuracy = null);

/// <summary>
/// Progress of a running training loop, for progress bars: phase "train" (Done of Total batches),
/// "validate", or "epoch" when an epoch has finished (then <see cref="Completed"/> holds its record).
/// </summary>
public readonly record struct TrainingProgress(string Phase, int Epoch, int Epochs, int Done, int Total, float Loss, EpochRecord? Completed = null);
