using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoLoRa.Robust;

/// <summary>
/// What an interrupted evaluation needs to go on: which points are still robust, the attacks done
/// (and the points the current one has yet to attack), flags and bounds so far. Saved atomically
/// after every batch; <see cref="Fingerprint"/> stops a state being resumed on other data or settings.
/// </summary>
public sealed class AutoAttackState
{
    /// <summary>The format this build writes; others are not resumed.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The format of this state.</summary>
    public int Format { get; set; } = CurrentFormat;

    /// <summary>The points, options and model the state belongs to.</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Classes of the model.</summary>
    public int Classes { get; set; }

    /// <summary>Per point: classified correctly before any attack.</summary>
    public bool[] Clean { get; set; } = [];

    /// <summary>Per point: still correct after the attacks so far.</summary>
    public bool[] Robust { get; set; } = [];

    /// <summary>The attacks finished so far.</summary>
    public List<AttackSummary> Attacks { get; set; } = [];

    /// <summary>Points the last attack in <see cref="Attacks"/> has still to attack; null once it finished.</summary>
    public int[]? Pending { get; set; }

    /// <summary>Reliability checks that fired so far.</summary>
    public List<EvaluationFlag> Flags { get; set; } = [];

    /// <summary>The largest L∞ perturbation of any adversarial image so far.</summary>
    public float MaxPerturbation { get; set; }

    /// <summary>The smallest pixel of any adversarial image so far.</summary>
    public float MinPixel { get; set; } = float.PositiveInfinity;

    /// <summary>The largest pixel of any adversarial image so far.</summary>
    public float MaxPixel { get; set; } = float.NegativeInfinity;

    /// <summary>Adversarial images with a NaN pixel.</summary>
    public int NanImages { get; set; }

    /// <summary>Adversarial images outside the ε-ball or [0, 1].</summary>
    public int OutOfBoundsImages { get; set; }

    /// <summary>Writes to a temporary file beside <paramref name="path"/>, flushes it to disk and renames it over the target.</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, this, AutoAttackStateJsonContext.Default.AutoAttackState);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>The saved state, or null when there is none.</summary>
    /// <exception cref="AutoAttackStateException">The file is not a state this build wrote (damaged, empty, another format).</exception>
    public static AutoAttackState? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var stream = File.OpenRead(path);
            var state = JsonSerializer.Deserialize(stream, AutoAttackStateJsonContext.Default.AutoAttackState) ?? throw new JsonException("the document is null");
            if (state.Format != CurrentFormat) throw new JsonException($"format {state.Format}, expected {CurrentFormat}");
            return state;
        }
        catch (JsonException e)
        {
            throw new AutoAttackStateException(path, e.Message, e);
        }
    }

    /// <summary>
    /// Checks that this state belongs to the evaluation about to resume it and is whole: the same
    /// fingerprint (data, ε, seed, batch size, attacks), one flag per point, robust points a subset
    /// of the clean ones, attacks done a prefix of the list, pending points in range.
    /// </summary>
    /// <exception cref="AutoAttackStateException">The first thing that does not fit.</exception>
    public void Check(string path, int points, string fingerprint, IReadOnlyList<string> attacks)
    {
        string? problem =
            Fingerprint != fingerprint ? "it was written for other data or settings"
            : Clean is null || Robust is null || Attacks is null || Flags is null ? "a field is missing"
            : Clean.Length != points || Robust.Length != points ? $"it has {Clean.Length} clean and {Robust.Length} robust flags for {points} points"
            : Enumerable.Range(0, points).Any(i => Robust[i] && !Clean[i]) ? "a point is robust without being clean"
            : Attacks.Count > attacks.Count || Attacks.Where((a, i) => a?.Name != attacks[i]).Any() ? "its attacks are not the ones this evaluation runs"
            : Pending is not null && Pending.Any(i => (uint)i >= (uint)points) ? "a pending point is out of range"
            : Classes < 0 || NanImages < 0 || OutOfBoundsImages < 0 ? "a count is negative"
            : null;
        if (problem is not null) throw new AutoAttackStateException(path, problem);
    }
}

/// <summary>
/// A saved AutoAttack state that cannot be resumed: damaged, or another evaluation's. The front end
/// decides whether to discard it (<see cref="AutoAttackOptions.DiscardUnusableState"/>).
/// </summary>
public sealed class AutoAttackStateException(string path, string reason, Exception? inner = null)
    : IOException($"{path}: the saved AutoAttack progress cannot be resumed ({reason}).", inner)
{
    /// <summary>The state file.</summary>
    public string StatePath { get; } = path;
}

/// <summary>
/// Source-generated JSON for <see cref="AutoAttackState"/> (no run-time reflection, so trimmed
/// builds keep it); named float literals because the pixel bounds start at ±∞.
/// </summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(AutoAttackState))]
[JsonSerializable(typeof(List<EvaluationFlag>))]
internal sealed partial class AutoAttackStateJsonContext : JsonSerializerContext;
