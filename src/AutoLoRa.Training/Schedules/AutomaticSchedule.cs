using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoLoRa.Training.Schedules;

/// <summary><see cref="AutomaticLearningRate"/> as an epoch schedule.</summary>
public sealed class AutomaticSchedule(AutomaticLearningRate rule) : ILearningRateSchedule
{
    // "No best yet" is −∞, which plain JSON cannot hold.
    private static readonly JsonSerializerOptions s_json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string Kind => "auto";

    public float Rate => rule.Rate;

    public AutomaticLearningRate Rule => rule;

    public EpochDecision AfterEpoch(int epoch, float validationRobustAccuracy)
    {
        var d = rule.Record(validationRobustAccuracy);
        string? note = d.Halving == HalvingReason.None ? null : $"lr halved to {rule.Rate:G3} ({d.Halving}), best weights restored";
        if (d.Stop) note = (note is null ? "" : note + "; ") + $"lr below {rule.MinimumRate:G2}: stop";
        return new EpochDecision(d.RestoreBest, d.Stop, note);
    }

    public string ExportState() => JsonSerializer.Serialize(rule.ExportState(), s_json);

    public void ImportState(string state) =>
        rule.ImportState(JsonSerializer.Deserialize<AutomaticLearningRateState>(state, s_json) ?? throw new JsonException("empty schedule state"));
}
