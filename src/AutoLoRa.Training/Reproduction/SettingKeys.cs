using System.Text.Json;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Training.Reproduction;

/// <summary>
/// The keys a plan's "settings" objects may hold — the training verbs' flag names — and what each
/// does to <see cref="RecipeSettings"/>. The one place to extend when RecipeSettings grows.
/// </summary>
public static class SettingKeys
{
    private static readonly Dictionary<string, Func<RecipeSettings, JsonElement, RecipeSettings>> s_keys = new()
    {
        ["epochs"] = (s, v) => s with { Epochs = Int(v) },
        ["batch-size"] = (s, v) => s with { BatchSize = Int(v) },
        ["lr"] = (s, v) => s with { LearningRate = OptionalFloat(v) },
        ["lr-milestones"] = (s, v) => s with { LearningRateMilestones = OptionalInts(v) },
        ["momentum"] = (s, v) => s with { Momentum = Float(v) },
        ["weight-decay"] = (s, v) => s with { WeightDecay = OptionalFloat(v) },
        ["attack-steps"] = (s, v) => s with { Attack = s.Attack with { Steps = Int(v) } },
        ["attack-step"] = (s, v) => s with { Attack = s.Attack with { StepSize = Float(v) } },
        ["validation-steps"] = (s, v) => s with { ValidationSteps = Int(v) },
        ["validation-step"] = (s, v) => s with { ValidationStepSize = OptionalFloat(v) },
        ["val-fraction"] = (s, v) => s with { ValidationFraction = Float(v) },
        ["rank"] = (s, v) => s with { Rank = Int(v) },
        ["lambda1"] = (s, v) => s with { Lambda1 = OptionalFloat(v) },
        ["lambda2"] = (s, v) => s with { Lambda2 = OptionalFloat(v) },
        ["lambda2-max"] = (s, v) => s with { Lambda2Max = Float(v) },
        ["alpha"] = (s, v) => s with { Alpha = Float(v) },
        ["beta"] = (s, v) => s with { Beta = Float(v) },
        ["gamma"] = (s, v) => s with { Gamma = Float(v) },
        ["twins-kl"] = (s, v) => s with { TwinsKl = MethodNames.ParseTwinsKl(String(v), "twins-kl") },
        ["auto-scalars"] = (s, v) => s with { AutoScalars = Bool(v) },
        ["grad-sim-batches"] = (s, v) => s with { GradSimBatches = Int(v) },
        ["scalar-probe-size"] = (s, v) => s with { ScalarProbeSize = Int(v) },
        ["crop-padding"] = (s, v) => s with { CropPadding = Int(v) },
        ["horizontal-flip"] = (s, v) => s with { HorizontalFlip = Bool(v) },
    };

    public static IReadOnlyCollection<string> Names => s_keys.Keys;

    /// <summary><paramref name="s"/> with setting <paramref name="key"/> set to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">Unknown key, or a value of the wrong type (one sentence).</exception>
    public static RecipeSettings Apply(RecipeSettings s, string key, JsonElement value)
    {
        if (s_keys.TryGetValue(key, out var apply)) return apply(s, value);
        throw new ArgumentException($"unknown setting '{key}'; expected one of {string.Join(", ", s_keys.Keys)}.");
    }

    private static int Int(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw new ArgumentException($"must be a whole number (got {v.GetRawText()}).");

    private static float Float(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number ? v.GetSingle() : throw new ArgumentException($"must be a number (got {v.GetRawText()}).");

    private static string String(JsonElement v) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new ArgumentException($"must be a string (got {v.GetRawText()}).");

    private static bool Bool(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new ArgumentException($"must be true or false (got {v.GetRawText()})."),
    };

    private static int[] Ints(JsonElement v) =>
        v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(Int)] : throw new ArgumentException($"must be a list of whole numbers (got {v.GetRawText()}).");

    // JSON null resets a nullable setting to the method's default (e.g. "lr": null = AutoLoRa's automatic schedule).
    private static float? OptionalFloat(JsonElement v) => v.ValueKind == JsonValueKind.Null ? null : Float(v);

    private static int[]? OptionalInts(JsonElement v) => v.ValueKind == JsonValueKind.Null ? null : Ints(v);
}
