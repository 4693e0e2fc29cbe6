using System.Text;

namespace AutoLoRa.Formats.PyTorch;

/// <summary>What a key profile did with a checkpoint: which keys were renamed, ignored, left over, or missing.</summary>
public sealed class KeyMappingReport
{
    /// <summary>Creates a report (the importers and model loaders fill it in).</summary>
    public KeyMappingReport(string profile, IReadOnlyList<KeyValuePair<string, string>> mapped,
        IReadOnlyList<KeyValuePair<string, string>> ignored, IReadOnlyList<string> unexpected,
        IReadOnlyList<string> missing, IReadOnlyList<string> allowedMissing)
    {
        Profile = profile;
        Mapped = mapped;
        Ignored = ignored;
        Unexpected = unexpected;
        Missing = missing;
        AllowedMissing = allowedMissing;
    }

    /// <summary>The profile applied.</summary>
    public string Profile { get; }

    /// <summary>Checkpoint key → our name, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Mapped { get; }

    /// <summary>Checkpoint keys deliberately left out, with the reason.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Ignored { get; }

    /// <summary>Checkpoint keys that map to no expected name (or to a name already taken).</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Expected names no checkpoint key supplied.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Expected names absent on purpose for this layout (e.g. a self-supervised checkpoint's classifier).</summary>
    public IReadOnlyList<string> AllowedMissing { get; }

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
public sealed class StateDictKeyException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StateDictKeyException(string? source, KeyMappingReport report)
        : base($"{source ?? "checkpoint"}: keys do not match the model — {report}")
    {
        Report = report;
    }

    /// <summary>The full mapping report.</summary>
    public KeyMappingReport Report { get; }
}
