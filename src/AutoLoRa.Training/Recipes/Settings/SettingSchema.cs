using System.Text.Json;

namespace AutoLoRa.Training.Recipes.Settings;

/// <summary>
/// Every setting of every method: the common ones, then each method's own, once each. The training
/// verbs' options and the plan keys are this list; nothing else declares a setting.
/// </summary>
public static class SettingSchema
{
    /// <summary>All settings, in the order help texts list them.</summary>
    public static IReadOnlyList<SettingDescriptor> All { get; } =
        [.. CommonSettings.All, .. RecipeCatalogue.All.SelectMany(m => m.Settings).Distinct()];

    /// <summary>The settings a plan's "settings" objects may hold.</summary>
    public static IReadOnlyList<SettingDescriptor> PlanKeys { get; } = [.. All.Where(s => s.Surface.HasFlag(SettingSurface.Plan))];

    /// <summary>The settings any of <paramref name="methods"/> uses, in schema order.</summary>
    public static IReadOnlyList<SettingDescriptor> Of(IEnumerable<MethodRecipe> methods) => [.. All.Where(s => methods.Any(m => m.Uses(s)))];

    /// <summary>The methods that use <paramref name="setting"/>.</summary>
    public static IReadOnlyList<MethodRecipe> MethodsUsing(SettingDescriptor setting) => [.. RecipeCatalogue.All.Where(m => m.Uses(setting))];

    /// <summary><paramref name="s"/> with plan key <paramref name="key"/> set to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">Unknown key, or a value of the wrong type (one sentence).</exception>
    public static RecipeSettings ApplyPlanKey(RecipeSettings s, string key, JsonElement value) =>
        PlanKeys.FirstOrDefault(d => d.Key == key) is { } setting
            ? setting.ReadJson(s, value)
            : throw new ArgumentException($"unknown setting '{key}'; expected one of {string.Join(", ", PlanKeys.Select(d => d.Key))}.");
}
