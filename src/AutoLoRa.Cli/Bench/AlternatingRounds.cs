using System.Diagnostics;
using AutoLoRa.Cpu;

namespace AutoLoRa.Cli.Bench;

/// <summary>
/// Several calls timed side by side, the way every comparison of this harness times them: in rounds
/// that call each once, in the listed order on even rounds and the reverse on odd ones (as the
/// convolution autotuner does, <see cref="ConvCandidateTiming.CandidateAt(int, int, int)"/>), so a
/// moment of load falls on one sample of one call rather than on all of one call's samples, and no
/// call always runs on the caches the same neighbour left. Compare them round by round (a ratio per
/// round, then the median): the machine's speed moves over seconds, a round takes less.
/// </summary>
internal static class AlternatingRounds
{
    /// <summary>
    /// Seconds of each call in each timed round, [call][round]: <paramref name="warmupRounds"/> untimed
    /// rounds, then <paramref name="rounds"/> timed ones. <paramref name="call"/> gets the call's index
    /// and the round's (negative in the warm-up); <paramref name="beforeEach"/>, if given, runs untimed
    /// before every call.
    /// </summary>
    public static double[][] Time(int calls, int warmupRounds, int rounds, Action<int, int> call, Action? beforeEach = null)
    {
        var seconds = new double[calls][];
        for (int i = 0; i < calls; i++) seconds[i] = new double[rounds];
        for (int round = -warmupRounds; round < rounds; round++)
        {
            for (int position = 0; position < calls; position++)
            {
                int i = ConvCandidateTiming.CandidateAt(round, position, calls);
                beforeEach?.Invoke();
                long start = Stopwatch.GetTimestamp();
                call(i, round);
                if (round >= 0) seconds[i][round] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
        return seconds;
    }
}
