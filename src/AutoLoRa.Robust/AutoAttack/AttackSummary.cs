namespace AutoLoRa.Robust;

/// <summary>One attack's share of an evaluation.</summary>
public sealed class AttackSummary
{
    /// <summary>The attack's name, e.g. apgd-ce.</summary>
    public required string Name { get; init; }

    /// <summary>Points the attack was run on (those still robust when it started).</summary>
    public int Attacked { get; set; }

    /// <summary>Points it broke (prediction ≠ label on the returned image, within bounds).</summary>
    public int Successes { get; set; }

    /// <summary>Wall-clock seconds, summed over resumed sessions.</summary>
    public double Seconds { get; set; }

    /// <summary>Robust accuracy over all points after this attack.</summary>
    public double AccuracyAfter { get; set; }

    /// <summary>Why the attack was not run, or null.</summary>
    public string? Skipped { get; set; }
}
