using System.Diagnostics;

namespace AutoLoRa.Verify;

/// <summary>How a case (and every micro-benchmark) is timed.</summary>
public static class MedianTimer
{
    /// <summary>
    /// Median seconds of <paramref name="repetitions"/> timed calls after a warm-up of about
    /// <paramref name="warmupSeconds"/> (at least 2 calls): 0.5 s is long enough for tiered JIT to
    /// finish optimising the hot loops; a call whose work is on a device can warm up for less.
    /// </summary>
    public static double Seconds(int repetitions, Action call, double warmupSeconds = 0.5)
    {
        WarmUp(call, warmupSeconds);
        var samples = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            samples[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return Median(samples);
    }

    /// <summary>Calls <paramref name="call"/> untimed for about <paramref name="warmupSeconds"/>, at least twice (see <see cref="Seconds"/>).</summary>
    public static void WarmUp(Action call, double warmupSeconds = 0.5)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 2 || clock.Elapsed.TotalSeconds < warmupSeconds; i++) call();
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count); the values are not reordered.</summary>
    public static double Median(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) throw new ArgumentException("The median of no values is undefined.", nameof(values));
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
