using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Options;

/// <summary>
/// How the command line writes <see cref="ImportSettings"/>: <c>autolora convert</c>'s flags. The
/// library's <see cref="CheckpointException.Hint"/> names the settings by property; only convert
/// takes them as flags, so every other command points there.
/// </summary>
internal static class ImportFlags
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [ImportSettings.Keys.Profile] = "--profile",
        [ImportSettings.Keys.Architecture] = "--arch",
        [ImportSettings.Keys.Classes] = "--classes",
        [ImportSettings.Keys.Stem] = "--stem",
        [ImportSettings.Keys.Width] = "--width",
        [ImportSettings.Keys.Normalization] = "--norm",
        [ImportSettings.Keys.ImageSize] = "--image-size",
        [ImportSettings.Keys.NotStrict] = "--no-strict",
    };

    /// <summary>Whether <paramref name="key"/> is an import setting's (training settings have keys of their own).</summary>
    public static bool Names(string key) => Flags.ContainsKey(key);

    /// <summary>The convert flag for <paramref name="key"/>, as convert's own errors say it.</summary>
    public static string Flag(string key) => Flags.TryGetValue(key, out var flag) ? flag : key;

    /// <summary>The flag as another command says it: the user converts the checkpoint with it first.</summary>
    public static string ViaConvert(string key) => $"'autolora convert {Flag(key)}'";
}
