using System.Reflection;

namespace AutoLoRa.Cli.Plans;

/// <summary>The plans shipped inside autolora (Plans/*.json, embedded), found by name.</summary>
internal static class BuiltInPlans
{
    private const string Prefix = "AutoLoRa.Cli.Plans.";

    private static Assembly Assembly => typeof(BuiltInPlans).Assembly;

    public static IReadOnlyList<string> Names { get; } =
        [.. Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^".json".Length]).Order(StringComparer.Ordinal)];

    /// <summary>The text of the built-in plan <paramref name="name"/>, or null if there is none.</summary>
    public static string? Read(string name)
    {
        using var stream = Assembly.GetManifestResourceStream(Prefix + name + ".json");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
