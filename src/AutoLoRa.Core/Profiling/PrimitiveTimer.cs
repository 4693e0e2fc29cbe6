using System.Diagnostics;

namespace AutoLoRa.Core.Profiling;

/// <summary>
/// Times one primitive for the profile this thread is collecting: made by
/// <see cref="Backend.Profile"/>, stopped by <see cref="Dispose"/> (a <c>using</c> declaration).
/// The default value, handed out when nothing is being profiled, does nothing. While a timer runs,
/// primitives called inside it are not recorded on their own — a composite (or a backend whose
/// implementation calls its own public primitives) is charged once, under its own name.
/// </summary>
public readonly struct PrimitiveTimer : IDisposable
{
    private readonly Backend? _backend;
    private readonly string? _primitive;
    private readonly long _start;

    internal PrimitiveTimer(Backend backend, string primitive)
    {
        _backend = backend;
        _primitive = primitive;
        OpProfiler.EnterTimed();
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Synchronises the device (so asynchronous work is charged here) and records the time.</summary>
    public void Dispose()
    {
        if (_backend is null) return;
        try
        {
            _backend.Synchronize();
        }
        finally
        {
            OpProfiler.ExitTimed(_primitive!, _start);
        }
    }
}
