using System.Diagnostics;

namespace AutoLoRa.Core.Profiling;

/// <summary>
/// Where a step's time goes: while a <see cref="OpProfile"/> is active, every backend primitive
/// (of a backend whose <see cref="Backends.Backend.Profiling"/> is on) is charged to the current phase (set by callers such as
/// the attack) and layer (set by the layer running it; a backward rule runs under the layer that
/// recorded it). The profile and its labels are thread-local ambient state, so the hot path pays
/// one field read when nothing is being profiled, and concurrent work on other threads stays out.
/// </summary>
public static class OpProfiler
{
    [ThreadStatic] private static string? t_layer;
    [ThreadStatic] private static string? t_phase;
    [ThreadStatic] private static OpProfile? t_active;
    [ThreadStatic] private static int t_timedDepth;

    /// <summary>The profile this thread is collecting, or null.</summary>
    public static OpProfile? Active => t_active;

    /// <summary>The layer label operations recorded now are charged to.</summary>
    internal static string? CurrentLayer => t_layer;

    /// <summary>
    /// Collects the primitives this thread calls into <paramref name="profile"/> until the returned
    /// scope ends (the primitives' own worker threads are inside those calls, so nothing is missed).
    /// </summary>
    public static ActiveScope Collect(OpProfile profile)
    {
        if (t_active is not null) throw new InvalidOperationException("This thread is already collecting a profile.");
        t_active = profile;
        return new ActiveScope();
    }

    /// <summary>Charges primitives to <paramref name="layer"/> until the scope ends (null keeps the caller's label).</summary>
    public static LabelScope Layer(string? layer)
    {
        var previous = t_layer;
        if (layer is not null) t_layer = layer;
        return new LabelScope(previous, isPhase: false);
    }

    /// <summary>Charges primitives to <paramref name="phase"/> (e.g. "attack") until the scope ends.</summary>
    public static LabelScope Phase(string phase)
    {
        var previous = t_phase;
        t_phase = phase;
        return new LabelScope(previous, isPhase: true);
    }

    /// <summary>A primitive is being timed on this thread already: a primitive it calls is part of its time, not recorded again.</summary>
    internal static bool InsideTimedPrimitive => t_timedDepth != 0;

    internal static void EnterTimed() => t_timedDepth++;

    internal static void ExitTimed(string primitive, long startTimestamp)
    {
        t_timedDepth--;
        t_active?.Add(t_phase ?? "", t_layer ?? "", primitive, Stopwatch.GetTimestamp() - startTimestamp);
    }

    /// <summary>Restores the previous label.</summary>
    public readonly struct LabelScope(string? previous, bool isPhase) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose()
        {
            if (isPhase) t_phase = previous;
            else t_layer = previous;
        }
    }

    /// <summary>Stops collecting.</summary>
    public readonly struct ActiveScope : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => t_active = null;
    }
}
