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
    public const int CurrentFormat = 1;

    public int Format { get; set; } = CurrentFormat;

    public string Fingerprint { get; set; } = "";

    public int Classes { get; set; }

    public bool[] Clean { get; set; } = [];

    public bool[] Robust { get; set; } = [];

    public List<AttackSummary> Attacks { get; set; } = [];

    /// <summary>Points the last attack in <see cref="Attacks"/> has still to attack; null once it finished.</summary>
    public int[]? Pending { get; set; }

    public List<EvaluationFlag> Flags { get; set; } = [];

    public float MaxPerturbation { get; set; }

    public float MinPixel { get; set; } = float.PositiveInfinity;

    public float MaxPixel { get; set; } = float.NegativeInfinity;

    public int NanImages { get; set; }

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
    public static AutoAttackState? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var stream = File.OpenRead(path);
            var state = JsonSerializer.Deserialize(stream, AutoAttackStateJsonContext.Default.AutoAttackState) ?? throw new InvalidDataException("empty document");
            if (state.Format != CurrentFormat) throw new InvalidDataException($"format {state.Format}, expected {CurrentFormat}");
            return state;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"AutoAttack state file '{path}' cannot be resumed: {e.Message}. Delete it to start over.", e);
        }
    }
}

/// <summary>
/// Source-generated JSON for <see cref="AutoAttackState"/> (no run-time reflection, so trimmed
/// builds keep it); named float literals because the pixel bounds start at ±∞.
/// </summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(AutoAttackState))]
internal sealed partial class AutoAttackStateJsonContext : JsonSerializerContext;
