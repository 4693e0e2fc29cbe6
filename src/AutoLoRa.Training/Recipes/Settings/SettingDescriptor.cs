using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoLoRa.Training.Recipes.Settings;

/// <summary>
/// One setting of a training run as users write it: its key (the plan key, and the training verbs'
/// flag <c>--key</c>), its help text, where it may be written, and how it is read from and written to
/// <see cref="RecipeSettings"/>. <see cref="SettingSchema"/> lists them all; the CLI's options and
/// the plan keys are made from that list, so a setting is declared once.
/// </summary>
public abstract class SettingDescriptor
{
    private protected SettingDescriptor(string key, string help)
    {
        Key = key;
        Help = help;
        JsonName = string.Concat(key.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
    }

    /// <summary>The setting's key, e.g. "lambda2-max".</summary>
    public string Key { get; }

    /// <summary>One sentence for help texts.</summary>
    public string Help { get; }

    /// <summary>Where users may write it (both by default).</summary>
    public SettingSurface Surface { get; init; } = SettingSurface.Both;

    /// <summary>Its name in settings JSON (config.json, cell identities): the key in PascalCase, e.g. "Lambda2Max".</summary>
    public string JsonName { get; }

    /// <summary><paramref name="s"/> with this setting read from a plan's JSON <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">A value of the wrong type (one sentence, without the key: the plan prefixes its place).</exception>
    public abstract RecipeSettings ReadJson(RecipeSettings s, JsonElement value);

    /// <summary>This setting's value in <paramref name="s"/> as JSON.</summary>
    public abstract JsonNode? WriteJson(RecipeSettings s);

    /// <summary>Calls the visitor with the typed descriptor.</summary>
    public abstract TResult Accept<TResult>(ISettingVisitor<TResult> visitor);

    /// <inheritdoc/>
    public override string ToString() => Key;
}

/// <summary>A setting whose value is a <typeparamref name="T"/>.</summary>
/// <param name="key">The key, e.g. "lambda2-max".</param>
/// <param name="help">One sentence for help texts.</param>
/// <param name="format">How values are read and written.</param>
public sealed class Setting<T>(string key, string help, SettingFormat<T> format) : SettingDescriptor(key, help)
{
    /// <summary>How values are read and written.</summary>
    public SettingFormat<T> Format { get; } = format;

    /// <summary>The value in a settings record.</summary>
    public required Func<RecipeSettings, T> Get { get; init; }

    /// <summary>A settings record with the value changed.</summary>
    public required Func<RecipeSettings, T, RecipeSettings> Set { get; init; }

    /// <summary>Whether help texts show the default (false where it is derived, e.g. a step size of ε/4, or explained in the help).</summary>
    public bool ShowsDefault { get; init; } = true;

    /// <summary>
    /// A setting a method owns (beyond the common ones), kept in <see cref="RecipeSettings.MethodValues"/>
    /// under its key: a new method declares its settings in its recipe and nowhere else.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="defaultValue">The value until one is set.</param>
    /// <param name="help">One sentence for help texts.</param>
    /// <param name="format">How values are read and written.</param>
    /// <param name="showsDefault">Whether help texts show the default.</param>
    public static Setting<T> Owned(string key, T defaultValue, string help, SettingFormat<T> format, bool showsDefault = true) => new(key, help, format)
    {
        ShowsDefault = showsDefault,
        Get = s => s.MethodValues.TryGetValue(key, out object? value) ? (T)value! : defaultValue,
        Set = (s, value) => s with { MethodValues = s.MethodValues.SetItem(key, value) },
    };

    /// <inheritdoc/>
    public override RecipeSettings ReadJson(RecipeSettings s, JsonElement value) => Set(s, Format.Read(value));

    /// <inheritdoc/>
    public override JsonNode? WriteJson(RecipeSettings s) => Format.Write(Get(s));

    /// <inheritdoc/>
    public override TResult Accept<TResult>(ISettingVisitor<TResult> visitor) => visitor.Visit(this);
}
