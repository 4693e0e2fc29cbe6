using System.Text;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>What a key profile did with a checkpoint: which keys were renamed, ignored, left over, or missing.</summary>
/// <param name="profile">The profile applied.</param>
/// <param name="mapped">Checkpoint key → our name, in file order.</param>
/// <param name="ignored">Checkpoint keys deliberately left out, with the reason.</param>
/// <param name="unexpected">Checkpoint keys that map to no expected name (or to a name already taken).</param>
/// <param name="missing">Expected names no checkpoint key supplied.</param>
/// <param name="allowedMissing">Expected names absent on purpose for this layout.</param>
public sealed class KeyMappingReport(string profile, IReadOnlyList<KeyValuePair<string, string>> mapped,
    IReadOnlyList<KeyValuePair<string, string>> ignored, IReadOnlyList<string> unexpected,
    IReadOnlyList<string> missing, IReadOnlyList<string> allowedMissing)
{
    /// <summary>The profile applied.</summary>
    public string Profile { get; } = profile;

    /// <summary>Checkpoint key → our name, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Mapped { get; } = mapped;

    /// <summary>Checkpoint keys deliberately left out, with the reason.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Ignored { get; } = ignored;

    /// <summary>Checkpoint keys that map to no expected name (or to a name already taken).</summary>
    public IReadOnlyList<string> Unexpected { get; } = unexpected;

    /// <summary>Expected names no checkpoint key supplied.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;

    /// <summary>Expected names absent on purpose for this layout (e.g. a self-supervised checkpoint's classifier).</summary>
    public IReadOnlyList<string> AllowedMissing { get; } = allowedMissing;

    /// <summary>True when nothing is unexpected or missing.</summary>
    public bool IsExact => Unexpected.Count == 0 && Missing.Count == 0;

    /// <summary>A short multi-line summary naming up to 20 keys per problem list.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"profile {Profile}: {Mapped.Count} mapped, {Ignored.Count} ignored");
        if (AllowedMissing.Count > 0) text.Append($", {AllowedMissing.Count} left to initialise ({List(AllowedMissing)})");
        if (Unexpected.Count > 0) text.Append($"\n  unexpected ({Unexpected.Count}): {List(Unexpected)}");
        if (Missing.Count > 0) text.Append($"\n  missing ({Missing.Count}): {List(Missing)}");
        return text.ToString();
    }

    private static string List(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(20).Select(DisplayText.Clip)) + (keys.Count > 20 ? $", … ({keys.Count - 20} more)" : "");
}

/// <summary>A checkpoint's keys do not match the model's (strict loading): the report lists which.</summary>
/// <param name="source">The file, for the message.</param>
/// <param name="report">The full mapping report.</param>
public sealed class StateDictKeyException(string? source, KeyMappingReport report)
    : IOException($"{source ?? "checkpoint"}: keys do not match the model — {report}")
{
    /// <summary>The full mapping report.</summary>
    public KeyMappingReport Report { get; } = report;
}
