using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AutoLoRa.Training.Recipes.Settings;

/// <summary>
/// How a setting's values are read from a plan's JSON and written to settings JSON, and, where the
/// command line spells them differently from the value type (a list as "30,50", a choice by name),
/// how they are parsed from and shown as text.
/// </summary>
public sealed class SettingFormat<T>
{
    /// <summary>The value of a plan's JSON element; throws a sentence without the key.</summary>
    public required Func<JsonElement, T> Read { get; init; }

    /// <summary>The value as JSON.</summary>
    public required Func<T, JsonNode?> Write { get; init; }

    /// <summary>Parses the command-line text form (key and text given for the error); null: the command-line parser reads a <typeparamref name="T"/> itself.</summary>
    public Func<string, string, T>? ParseText { get; init; }

    /// <summary>The text form of a value, for help texts (with <see cref="ParseText"/>).</summary>
    public Func<T, string>? FormatText { get; init; }
}

/// <summary>The formats settings use.</summary>
public static class SettingFormats
{
    /// <summary>A whole number.</summary>
    public static SettingFormat<int> Int { get; } = new() { Read = ReadInt, Write = v => JsonValue.Create(v) };

    /// <summary>A number (single precision).</summary>
    public static SettingFormat<float> Float { get; } = new() { Read = ReadFloat, Write = v => JsonValue.Create(v) };

    /// <summary>A number or null; JSON null resets the setting to the method's default (e.g. "lr": null = AutoLoRa's automatic schedule).</summary>
    public static SettingFormat<float?> OptionalFloat { get; } = new()
    {
        Read = v => v.ValueKind == JsonValueKind.Null ? null : ReadFloat(v),
        Write = v => v is float f ? JsonValue.Create(f) : null,
    };

    /// <summary>A whole number or null (JSON null: the default).</summary>
    public static SettingFormat<int?> OptionalInt { get; } = new()
    {
        Read = v => v.ValueKind == JsonValueKind.Null ? null : ReadInt(v),
        Write = v => v is int i ? JsonValue.Create(i) : null,
    };

    /// <summary>A double-precision fraction that plans write as a number read at single precision, as they always have (cell identities hash it).</summary>
    public static SettingFormat<double> SinglePrecisionFraction { get; } = new() { Read = v => ReadFloat(v), Write = v => JsonValue.Create(v) };

    /// <summary>true or false.</summary>
    public static SettingFormat<bool> Flag { get; } = new()
    {
        Read = v => v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ArgumentException($"must be true or false (got {v.GetRawText()})."),
        },
        Write = v => JsonValue.Create(v),
    };

    /// <summary>Epochs: a JSON list of whole numbers or null; on the command line comma-separated, e.g. 30,50.</summary>
    public static SettingFormat<int[]?> OptionalEpochs { get; } = new()
    {
        Read = v => v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Array => [.. v.EnumerateArray().Select(ReadInt)],
            _ => throw new ArgumentException($"must be a list of whole numbers (got {v.GetRawText()})."),
        },
        Write = v => v is null ? null : new JsonArray([.. v.Select(e => (JsonNode)JsonValue.Create(e))]),
        ParseText = ParseEpochs,
        FormatText = v => v is null ? "" : string.Join(',', v),
    };

    /// <summary>One of named choices, written in JSON as <paramref name="jsonName"/> gives it (settings JSON spells enums by their C# names).</summary>
    /// <param name="key">The setting's key, for the error a plan's unknown name gets.</param>
    /// <param name="choices">Each choice's name as users write it, and its value, in the order help texts list them.</param>
    /// <param name="jsonName">The value's name in settings JSON.</param>
    public static SettingFormat<T> Choice<T>(string key, IReadOnlyList<(string Name, T Value)> choices, Func<T, string> jsonName) where T : struct, Enum
    {
        string list = string.Join(" or ", choices.Select(c => c.Name));
        T Parse(string name, string text)
        {
            foreach (var choice in choices)
            {
                if (choice.Name == text) return choice.Value;
            }
            throw new SettingException(name, k => $"{k} '{text}' is unknown; choose {list}.");
        }
        return new SettingFormat<T>
        {
            Read = v => v.ValueKind == JsonValueKind.String ? Parse(key, v.GetString()!) : throw new ArgumentException($"must be a string (got {v.GetRawText()})."),
            Write = v => JsonValue.Create(jsonName(v)),
            ParseText = Parse,
            FormatText = value => choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Name,
        };
    }

    /// <summary><see cref="Choice{T}"/> or null (JSON null, or no flag: the default the setting's help describes).</summary>
    public static SettingFormat<T?> OptionalChoice<T>(string key, IReadOnlyList<(string Name, T Value)> choices, Func<T, string> jsonName) where T : struct, Enum
    {
        var choice = Choice(key, choices, jsonName);
        return new SettingFormat<T?>
        {
            Read = v => v.ValueKind == JsonValueKind.Null ? null : choice.Read(v),
            Write = v => v is T value ? choice.Write(value) : null,
            ParseText = (name, text) => choice.ParseText!(name, text),
            FormatText = v => v is T value ? choice.FormatText!(value) : "",
        };
    }

    private static int ReadInt(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw new ArgumentException($"must be a whole number (got {v.GetRawText()}).");

    private static float ReadFloat(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number ? v.GetSingle() : throw new ArgumentException($"must be a number (got {v.GetRawText()}).");

    private static int[] ParseEpochs(string key, string text)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new SettingException(key, k => $"{k} must be comma-separated epochs such as 30,50 (got '{text}').");
        }
    }
}
