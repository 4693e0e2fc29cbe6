using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoLoRa.Training.Schedules;

/// <summary><see cref="AutomaticLearningRate"/> as an epoch schedule.</summary>
public sealed class AutomaticSchedule(AutomaticLearningRate rule) : ILearningRateSchedule
{
    /// <inheritdoc/>
    public string Kind => "auto";

    /// <inheritdoc/>
    public float Rate => rule.Rate;

    /// <summary>The rule this schedule applies.</summary>
    public AutomaticLearningRate Rule => rule;

    /// <inheritdoc/>
    public EpochDecision AfterEpoch(int epoch, float validationRobustAccuracy)
    {
        var d = rule.Record(validationRobustAccuracy);
        string? note = d.Halving == HalvingReason.None ? null : $"lr halved to {rule.Rate:G3} ({d.Halving}), best weights restored";
        if (d.Stop) note = (note is null ? "" : note + "; ") + $"lr below {rule.MinimumRate:G2}: stop";
        return new EpochDecision(d.RestoreBest, d.Stop, note);
    }

    /// <inheritdoc/>
    public string ExportState() => JsonSerializer.Serialize(rule.ExportState(), AutomaticScheduleJsonContext.Default.AutomaticLearningRateState);

    /// <inheritdoc/>
    public void ImportState(string state) =>
        rule.ImportState(JsonSerializer.Deserialize(state, AutomaticScheduleJsonContext.Default.AutomaticLearningRateState) ?? throw new JsonException("empty schedule state"));
}

/// <summary>
/// Source-generated JSON for the schedule's state; named float literals because "no best yet"
/// is −∞, which plain JSON cannot hold.
/// </summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(AutomaticLearningRateState))]
internal sealed partial class AutomaticScheduleJsonContext : JsonSerializerContext;
