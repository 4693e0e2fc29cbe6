using System.Text.RegularExpressions;

namespace AutoLoRa.Reproduction;

/// <summary>
/// Environment variables in plan strings, written <c>${NAME}</c>: shipped plans name data
/// directories and checkpoints this way, since only the user knows where they are.
/// </summary>
public static partial class PlanVariables
{
    /// <summary>The variables <paramref name="text"/> names, in order of first use.</summary>
    public static IReadOnlyList<string> Names(string text) => [.. Pattern().Matches(text).Select(m => m.Groups[1].Value).Distinct()];

    /// <summary><paramref name="text"/> with each variable replaced by its value; <paramref name="unset"/> is told of each one that is not set.</summary>
    public static string Expand(string text, Action<string> unset) => Pattern().Replace(text, m =>
    {
        string? value = Environment.GetEnvironmentVariable(m.Groups[1].Value);
        if (string.IsNullOrEmpty(value)) unset(m.Groups[1].Value);
        return value ?? "";
    });

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Pattern();
}
