using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoLoRa.Robust;

/// <summary>
/// The outcome of an evaluation: clean and robust accuracy over all N points (point-wise worst case
/// over the attacks), the accuracy after each attack with its breakdown, the bounds of the returned
/// images and the reliability flags. <see cref="ToJson"/> gives the machine-readable form.
/// </summary>
public sealed class AutoAttackReport
{
    /// <summary>The L∞ radius.</summary>
    public float Epsilon { get; init; }

    /// <summary>Points evaluated.</summary>
    public int Points { get; init; }

    /// <summary>Accuracy before any attack.</summary>
    public double CleanAccuracy { get; init; }

    /// <summary>Accuracy after the last attack (the clean accuracy if none ran).</summary>
    public double RobustAccuracy { get; init; }

    /// <summary>Each attack in the order run, with the accuracy after it.</summary>
    public IReadOnlyList<AttackSummary> Attacks { get; init; } = [];

    /// <summary>The reliability checks that fired.</summary>
    public IReadOnlyList<EvaluationFlag> Flags { get; init; } = [];

    /// <summary>Largest L∞ distance of any image an attack returned (the ε check uses a small float tolerance).</summary>
    public float MaxPerturbation { get; init; }

    /// <summary>Smallest and largest pixel of the returned images.</summary>
    public float MinPixel { get; init; }

    /// <summary>The largest pixel of any adversarial image.</summary>
    public float MaxPixel { get; init; }

    /// <summary>Returned images that held a NaN.</summary>
    public int NanImages { get; init; }

    /// <summary>Returned images rejected for leaving the ε-ball or [0, 1] (or holding NaN).</summary>
    public int OutOfBoundsImages { get; init; }

    /// <summary>Whether this run continued from a saved state.</summary>
    public bool Resumed { get; init; }

    /// <summary>Why a saved state was discarded instead of resumed (<see cref="AutoAttackOptions.DiscardUnusableState"/>); null when none was.</summary>
    public string? DiscardedState { get; init; }

    /// <summary>Per point: still correctly classified after every attack. Not written to JSON.</summary>
    [JsonIgnore]
    public IReadOnlyList<bool> Robust { get; init; } = [];

    /// <summary>The report as eval.json writes it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, AutoAttackReportJsonContext.Default.AutoAttackReport);
}

/// <summary>Source-generated JSON for <see cref="AutoAttackReport"/>: indented, nulls left out.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AutoAttackReport))]
internal sealed partial class AutoAttackReportJsonContext : JsonSerializerContext;
