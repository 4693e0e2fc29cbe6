using System.Text.Json;

namespace AutoLoRa.Reproduction;

/// <summary>
/// Reads the fields of one JSON object of a plan, adding a problem (prefixed with the field's path,
/// e.g. <c>datasets[1].classes</c>) for each missing, mistyped or unknown field instead of stopping
/// at the first. Every key asked for is a known key; <see cref="RejectUnknownKeys"/> names the rest.
/// String values may name environment variables as <c>${NAME}</c>.
/// </summary>
internal sealed class PlanJsonObject
{
    private readonly JsonElement _element;
    private readonly List<string> _problems;
    private readonly List<string> _known = [];

    private PlanJsonObject(JsonElement element, string path, List<string> problems)
    {
        _element = element;
        Path = path;
        _problems = problems;
    }

    public string Path { get; }

    /// <summary>The list every object of this plan adds its problems to.</summary>
    public List<string> Problems => _problems;

    /// <summary>The object at <paramref name="path"/>, or null (and a problem) when the value is not an object.</summary>
    public static PlanJsonObject? Of(JsonElement element, string path, List<string> problems)
    {
        if (element.ValueKind == JsonValueKind.Object) return new PlanJsonObject(element, path, problems);
        problems.Add($"{(path.Length == 0 ? "the plan" : path)}: must be an object {{ … }} (got {Kind(element)}).");
        return null;
    }

    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void Problem(string key, string message) => _problems.Add($"{PathOf(key)}: {message}");

    /// <summary>A problem with this object as a whole.</summary>
    public void Problem(string message) => _problems.Add($"{Path}: {message}");

    /// <summary>The raw value, or null when absent (a problem too when <paramref name="required"/>). JSON null counts as absent.</summary>
    public JsonElement? Value(string key, bool required = false)
    {
        _known.Add(key);
        if (_element.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null) return value;
        if (required) _problems.Add($"{PathOf(key)}: required.");
        return null;
    }

    public string? String(string key, bool required = false)
    {
        if (Value(key, required) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String)
        {
            Problem(key, $"must be a string (got {Kind(v)}).");
            return null;
        }
        // A value naming an unset variable is left out, so nothing else complains about what remains of it.
        bool unset = false;
        string text = PlanVariables.Expand(v.GetString()!, name =>
        {
            Problem(key, $"environment variable {name} is not set (the plan reads it as ${{{name}}}).");
            unset = true;
        });
        return unset ? null : text;
    }

    public int? Int(string key, bool required = false, int minimum = int.MinValue)
    {
        if (Value(key, required) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i))
        {
            Problem(key, $"must be a whole number (got {v.GetRawText()}).");
            return null;
        }
        if (i < minimum)
        {
            Problem(key, $"must be at least {minimum} (got {i}).");
            return null;
        }
        return i;
    }

    public float? Float(string key, bool required = false)
    {
        if (Value(key, required) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetSingle();
        Problem(key, $"must be a number (got {v.GetRawText()}).");
        return null;
    }

    public PlanJsonObject? Object(string key, bool required = false) =>
        Value(key, required) is { } v ? Of(v, PathOf(key), _problems) : null;

    /// <summary>The items of an array with their paths; null when absent or not an array.</summary>
    public IReadOnlyList<(JsonElement Item, string Path)>? Array(string key, bool required = false)
    {
        if (Value(key, required) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Array)
        {
            Problem(key, $"must be a list [ … ] (got {Kind(v)}).");
            return null;
        }
        if (required && v.GetArrayLength() == 0) Problem(key, "must not be empty.");
        return [.. v.EnumerateArray().Select((item, i) => (item, $"{PathOf(key)}[{i}]"))];
    }

    /// <summary>A list of strings (a problem for each item that is not one).</summary>
    public IReadOnlyList<string>? Strings(string key, bool required = false)
    {
        if (Array(key, required) is not { } items) return null;
        var strings = new List<string>();
        foreach (var (item, path) in items)
        {
            if (item.ValueKind == JsonValueKind.String) strings.Add(item.GetString()!);
            else _problems.Add($"{path}: must be a string (got {Kind(item)}).");
        }
        return strings;
    }

    /// <summary>The object's properties, for objects whose keys are data (settings, method-settings).</summary>
    public IEnumerable<JsonProperty> Properties() => _element.EnumerateObject();

    /// <summary>Adds a problem for each key of the object that was never asked for.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var property in _element.EnumerateObject().Where(p => !_known.Contains(p.Name)))
        {
            _problems.Add($"{PathOf(property.Name)}: unknown key; expected one of {string.Join(", ", _known.Distinct())}.");
        }
    }

    public static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
