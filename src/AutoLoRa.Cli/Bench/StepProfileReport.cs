using AutoLoRa.Core.Profiling;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// Prints an <see cref="OpProfile"/> of benchmark steps as per-step averages: the share of the step
/// spent inside primitives (the rest is the engine: tape, allocation, bookkeeping), the primitives
/// by phase, the layers, and the largest single entries with the time of one call.
/// </summary>
internal static class StepProfileReport
{
    private const int LayerRows = 20, EntryRows = 15;

    public static void Write(OpProfile profile, int steps, double stepSeconds, TextWriter output)
    {
        double inside = profile.TotalSeconds / steps;
        output.WriteLine();
        output.WriteLine($"profile: {steps} steps of {Ms(stepSeconds)} ms; primitives {Ms(inside)} ms ({Percent(inside, stepSeconds)}), " +
            $"outside primitives (tape, allocation, host work) {Ms(stepSeconds - inside)} ms");

        output.WriteLine();
        output.WriteLine($"{"phase",-8} {"primitive",-28} {"calls/step",10} {"ms/step",9} {"% step",7}");
        foreach (var (key, calls, seconds) in profile.GroupBy(e => e.Phase + "\t" + e.Primitive))
        {
            var parts = key.Split('\t');
            output.WriteLine($"{parts[0],-8} {parts[1],-28} {calls / (double)steps,10:0.#} {Ms(seconds / steps),9} {Percent(seconds / steps, stepSeconds),7}");
        }
        foreach (var (phase, _, seconds) in profile.GroupBy(e => e.Phase))
        {
            output.WriteLine($"{phase,-8} {"(all)",-28} {"",10} {Ms(seconds / steps),9} {Percent(seconds / steps, stepSeconds),7}");
        }

        WriteLayerKinds(profile, steps, stepSeconds, output);

        output.WriteLine();
        output.WriteLine($"{"layer",-28} {"ms/step",9} {"% step",7}  largest primitive");
        foreach (var (layer, _, seconds) in profile.GroupBy(e => e.Layer).Take(LayerRows))
        {
            var top = profile.Entries.Where(e => e.Layer == layer).GroupBy(e => e.Primitive)
                .Select(g => (Name: g.Key, Seconds: g.Sum(e => e.Seconds))).MaxBy(g => g.Seconds);
            string name = layer.Length == 0 ? "(outside layers)" : layer;
            output.WriteLine($"{name,-28} {Ms(seconds / steps),9} {Percent(seconds / steps, stepSeconds),7}  {top.Name} {Ms(top.Seconds / steps)} ms");
        }
        WriteLargestEntries(profile, steps, stepSeconds, output);
    }

    /// <summary>
    /// The layers summed over their repeats (blocks.0.attn, blocks.1.attn, … → blocks.*.attn), and
    /// for a transformer the attention's share: the scaled dot-product attention itself (its
    /// GEMMs and softmax, forward and backward, charged to the attention module) and the qkv and
    /// proj linears around it, each apart.
    /// </summary>
    private static void WriteLayerKinds(OpProfile profile, int steps, double stepSeconds, TextWriter output)
    {
        var kinds = profile.GroupBy(e => Kind(e.Layer));
        output.WriteLine();
        output.WriteLine($"{"layer kind",-28} {"ms/step",9} {"% step",7}");
        foreach (var (kind, _, seconds) in kinds.Take(LayerRows))
        {
            output.WriteLine($"{(kind.Length == 0 ? "(outside layers)" : kind),-28} {Ms(seconds / steps),9} {Percent(seconds / steps, stepSeconds),7}");
        }
        double sdpa = kinds.Where(k => k.Key.EndsWith(".attn", StringComparison.Ordinal)).Sum(k => k.Seconds) / steps;
        if (sdpa == 0) return;
        double linears = kinds.Where(k => k.Key.EndsWith(".attn.qkv", StringComparison.Ordinal) || k.Key.EndsWith(".attn.proj", StringComparison.Ordinal))
            .Sum(k => k.Seconds) / steps;
        output.WriteLine($"attention: {Ms(sdpa + linears)} ms/step ({Percent(sdpa + linears, stepSeconds)}): scaled dot-product attention " +
            $"{Ms(sdpa)} ms ({Percent(sdpa, stepSeconds)}), its qkv and proj linears {Ms(linears)} ms ({Percent(linears, stepSeconds)})");
    }

    /// <summary>A layer's path with its indices starred: the same layer of every block.</summary>
    private static string Kind(string layer) =>
        string.Join('.', layer.Split('.').Select(part => part.Length > 0 && part.All(char.IsAsciiDigit) ? "*" : part));

    /// <summary>The largest single (phase, layer, primitive) entries, with the time of one call.</summary>
    private static void WriteLargestEntries(OpProfile profile, int steps, double stepSeconds, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"{"phase",-8} {"layer",-24} {"primitive",-26} {"calls/step",10} {"ms/call",8} {"% step",7}");
        foreach (var e in profile.Entries.OrderByDescending(e => e.Seconds).Take(EntryRows))
        {
            string layer = e.Layer.Length == 0 ? "(outside layers)" : e.Layer;
            output.WriteLine($"{e.Phase,-8} {layer,-24} {e.Primitive,-26} {e.Calls / (double)steps,10:0.#} {Ms(e.Seconds / e.Calls),8} {Percent(e.Seconds / steps, stepSeconds),7}");
        }
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private static string Percent(double part, double whole) => (part / whole).ToString("0.0%", System.Globalization.CultureInfo.InvariantCulture);
}
