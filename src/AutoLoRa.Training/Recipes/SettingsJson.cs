using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Settings as one flat JSON object — the method and the common settings by property name, every
/// method's own settings by <see cref="SettingDescriptor.JsonName"/> — for config.json and for
/// reproduction cells' identities. The shape is the one the settings had when they were a single
/// record of every method's fields: identities hash it, so it must not move.
/// </summary>
public static class SettingsJson
{
    // Identities written before the schema list the method settings in the old record's order, between
    // the validation fraction and the crop padding; settings added since follow, in schema order.
    private static readonly string[] s_firstMethodSettings =
        ["rank", "lambda1", "lambda2", "lambda2-max", "alpha", "beta", "gamma", "twins-kl", "auto-scalars", "grad-sim-batches", "scalar-probe-size"];

    private static readonly IReadOnlyList<SettingDescriptor> s_methodSettings =
        [.. SettingSchema.All.Where(d => !CommonSettings.All.Contains(d)).OrderBy(d => Array.IndexOf(s_firstMethodSettings, d.Key) is int i and >= 0 ? i : int.MaxValue)];

    /// <summary>Every setting of <paramref name="s"/>, each method's own included (as their defaults where unset).</summary>
    public static JsonObject Write(RecipeSettings s)
    {
        var common = JsonSerializer.SerializeToNode(s, SettingsJsonContext.Default.RecipeSettings)!.AsObject();
        var result = new JsonObject();
        foreach (var (name, value) in common)
        {
            if (name == nameof(RecipeSettings.CropPadding))
            {
                foreach (var setting in s_methodSettings) result[setting.JsonName] = setting.WriteJson(s);
            }
            result[name] = value?.DeepClone();
        }
        return result;
    }
}

/// <summary>Source-generated JSON for the common settings (enums by name, as settings JSON was first written).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(RecipeSettings))]
internal sealed partial class SettingsJsonContext : JsonSerializerContext;
