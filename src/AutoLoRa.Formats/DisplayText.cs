namespace AutoLoRa.Formats;

/// <summary>
/// Text from a file, shown in a message. Names in files are whatever their writer chose, so a
/// hostile one can be megabytes long; messages show its start and say how long it is.
/// </summary>
public static class DisplayText
{
    /// <summary>Characters of a name shown before it is cut.</summary>
    public const int MaxShown = 120;

    /// <summary><paramref name="text"/> itself when short, else its first <see cref="MaxShown"/> characters, "…" and its length.</summary>
    public static string Clip(string text) =>
        text.Length <= MaxShown ? text : $"{text[..MaxShown]}… ({text.Length:N0} characters)";
}
