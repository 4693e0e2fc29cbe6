using System.Diagnostics;

namespace AutoLoRa.Core.Profiling;

/// <summary>Time and call counts per (phase, layer, primitive), accumulated by <see cref="OpProfiler"/>.</summary>
public sealed class OpProfile
{
    private readonly Dictionary<(string Phase, string Layer, string Primitive), Entry> _entries = [];
    private readonly Lock _lock = new();

    /// <summary>One row of the profile.</summary>
    public readonly record struct Entry(string Phase, string Layer, string Primitive, long Calls, double Seconds);

    /// <summary>Every (phase, layer, primitive) row so far, a copy taken under the lock.</summary>
    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_lock) return [.. _entries.Values];
        }
    }

    /// <summary>Total time spent inside primitives.</summary>
    public double TotalSeconds => Entries.Sum(e => e.Seconds);

    /// <summary>Sums of the entries grouped by <paramref name="key"/>, largest first.</summary>
    public IReadOnlyList<(string Key, long Calls, double Seconds)> GroupBy(Func<Entry, string> key) =>
        [.. Entries.GroupBy(key).Select(g => (g.Key, g.Sum(e => e.Calls), g.Sum(e => e.Seconds))).OrderByDescending(g => g.Item3)];

    internal void Add(string phase, string layer, string primitive, long ticks)
    {
        var key = (phase, layer, primitive);
        lock (_lock)
        {
            _entries.TryGetValue(key, out var e);
            _entries[key] = new Entry(phase, layer, primitive, e.Calls + 1, e.Seconds + ticks / (double)Stopwatch.Frequency);
        }
    }
}
