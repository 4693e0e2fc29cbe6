namespace AutoLoRa.Cpu;

/// <summary>
/// Timing of the candidate algorithms of one convolution pass, in interleaved rounds: each round
/// calls every candidate still in the race once, in the listed order on even rounds and in the
/// reverse order on odd ones (A B C, C B A, …), so no candidate always runs first after a pause or
/// always after the same neighbour's cache traffic.
/// <para>
/// Candidates are compared within rounds, not across them. A shared machine changes speed for
/// seconds at a time (on the 2-vCPU VMs the same call read 0.59 ms in one minute and 0.74–0.86 ms in
/// the next), and a round takes milliseconds, so the candidates of one round run at nearly the same
/// machine speed: each call is scored relative to the fastest call of its round, and a candidate by
/// the median of its scores. Judged by its fastest call instead (as until choice-cache format 8), two
/// calls of a slower candidate that fell in a fast moment outvoted every round in which it lost.
/// </para>
/// <para>
/// The order matters because a call's speed depends on what ran before it: the r18w16-b64 4×4-plane
/// filter gradient's shared Winograd schedule read 8–11 % ahead of the large blocks right after
/// another Winograd schedule (its operands still cached) and 12–19 % behind right after a GEMM had
/// swept the caches (Zen 3, 60 interleaved rounds each).
/// </para>
/// <para>
/// After two rounds a candidate more than <see cref="DropFactor"/> times slower than the fastest
/// call in every round it ran cannot win and leaves the race; after
/// <see cref="MinRounds"/> only those within <see cref="ContenderFactor"/> of the leader's median
/// stay. Rounds stop once the leader has beaten every other candidate left in each of the last
/// <see cref="MinRounds"/> rounds (a sign test: a true tie does that one time in 2^<see cref="MinRounds"/>),
/// and at <see cref="MaxRounds"/> in any case, where the median decides a race that close. The
/// decisions are pure functions of the recorded times, so scripted times test them.
/// </para>
/// </summary>
public sealed class ConvCandidateTiming
{
    /// <summary>Timed rounds always run (after the caller's untimed warm-up call of each candidate); odd, so a median is one round's score.</summary>
    public const int MinRounds = 5;

    /// <summary>Timed rounds at most, however close the race.</summary>
    public const int MaxRounds = 9;

    /// <summary>How many times the round's fastest a candidate may be in all of its rounds (from two) and stay in the race.</summary>
    public const double DropFactor = 1.5;

    /// <summary>How many times the leader's median a candidate's may be after <see cref="MinRounds"/> and still be timed (10 %).</summary>
    public const double ContenderFactor = 1.10;

    // Ticks per round and candidate; 0 where the candidate was not timed (out of the race).
    private readonly long[,] _ticks;
    private readonly bool[] _dropped;
    private readonly double[] _scores;

    /// <param name="candidates">How many candidates are timed (at least one).</param>
    public ConvCandidateTiming(int candidates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        _ticks = new long[MaxRounds, candidates];
        _dropped = new bool[candidates];
        _scores = new double[MaxRounds];
    }

    /// <summary>Candidates timed.</summary>
    public int Count => _dropped.Length;

    /// <summary>Rounds completed (<see cref="EndRound"/> calls).</summary>
    public int Rounds { get; private set; }

    /// <summary>The candidate to time at <paramref name="position"/> (0 to <see cref="Count"/> − 1) of the current round: listed order on even rounds, reversed on odd.</summary>
    public int CandidateAt(int position) => CandidateAt(Rounds, position, Count);

    /// <summary>The candidate at <paramref name="position"/> of round <paramref name="round"/> of <paramref name="count"/>: listed order on even rounds, reversed on odd (negative warm-up rounds alike).</summary>
    public static int CandidateAt(int round, int position, int count) => (round & 1) == 0 ? position : count - 1 - position;

    /// <summary>Whether the candidate is still timed in the next round (not dropped as hopeless).</summary>
    public bool InRace(int candidate) => !_dropped[candidate];

    /// <summary>Records the current round's timed call of a candidate, in ticks of the caller's clock (the same for all).</summary>
    public void Record(int candidate, long elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsed);
        if (Rounds >= MaxRounds) throw new InvalidOperationException($"The timing already ran its {MaxRounds} rounds.");
        // A zero reading (a coarse clock) counts as one tick, so "not timed" stays distinguishable.
        _ticks[Rounds, candidate] = Math.Max(1, elapsed);
    }

    /// <summary>
    /// Closes a round (every candidate in the race timed once): drops the hopeless, and says whether
    /// another round is wanted.
    /// </summary>
    public bool EndRound()
    {
        Rounds++;
        int best = Best;
        double leader = Score(best);
        for (int i = 0; i < Count; i++)
        {
            if (i == best || _dropped[i] || Rounds < 2) continue;
            // Before the minimum rounds a burst could fill half of a candidate's rounds: it leaves only when every round had it that far behind.
            if (Rounds >= MinRounds ? Score(i) > ContenderFactor * leader : BestRoundScore(i) > DropFactor) _dropped[i] = true;
        }
        if (Rounds < MinRounds) return true;
        if (Rounds >= MaxRounds) return false;
        for (int i = 0; i < Count; i++)
        {
            if (i != best && !_dropped[i] && !BeatenInLastRounds(best, i)) return true;
        }
        return false;
    }

    /// <summary>
    /// The candidate's median, over the rounds it was timed in, of its call's time ÷ the fastest call of
    /// that round (1.0: fastest in at least half its rounds); <see cref="double.MaxValue"/> before any.
    /// </summary>
    public double Score(int candidate)
    {
        int n = 0;
        for (int r = 0; r < Rounds; r++)
        {
            long ticks = _ticks[r, candidate];
            if (ticks != 0) _scores[n++] = (double)ticks / RoundFastest(r);
        }
        return n == 0 ? double.MaxValue : Median(_scores.AsSpan(0, n));
    }

    /// <summary>
    /// The candidate in the race with the lowest <see cref="Score"/> (the first listed on a tie, the
    /// fixed rule's order of preference). A dropped candidate's score stops at the rounds it ran, so it
    /// cannot win on an old score.
    /// </summary>
    public int Best
    {
        get
        {
            int best = -1;
            double bestScore = double.MaxValue;
            for (int i = 0; i < Count; i++)
            {
                if (_dropped[i]) continue;
                double score = Score(i);
                if (best < 0 || score < bestScore) (best, bestScore) = (i, score);
            }
            return best;
        }
    }

    /// <summary>The candidate's lowest time ÷ round's fastest over the rounds it was timed in.</summary>
    private double BestRoundScore(int candidate)
    {
        double best = double.MaxValue;
        for (int r = 0; r < Rounds; r++)
        {
            long ticks = _ticks[r, candidate];
            if (ticks != 0) best = Math.Min(best, (double)ticks / RoundFastest(r));
        }
        return best;
    }

    private long RoundFastest(int round)
    {
        long fastest = long.MaxValue;
        for (int i = 0; i < Count; i++)
        {
            long ticks = _ticks[round, i];
            if (ticks != 0) fastest = Math.Min(fastest, ticks);
        }
        return fastest;
    }

    /// <summary>Whether <paramref name="leader"/> ran faster than <paramref name="other"/> in each of the last <see cref="MinRounds"/> rounds.</summary>
    private bool BeatenInLastRounds(int leader, int other)
    {
        for (int r = Rounds - MinRounds; r < Rounds; r++)
        {
            if (_ticks[r, leader] >= _ticks[r, other]) return false;
        }
        return true;
    }

    /// <summary>
    /// How much <paramref name="candidate"/> gives away against the best candidate timed beside it, judged
    /// within rounds as the race is: <paramref name="roundSeconds"/>[i][r] is candidate i's call in round r.
    /// The best is the candidate with the lowest median of time ÷ its round's fastest, and the result the
    /// median over rounds of the candidate's time ÷ the best's (1.00 for the best itself). A ratio of the
    /// two medians would instead move with the machine's speed in whichever rounds each median fell.
    /// </summary>
    public static double RelativeToBest(IReadOnlyList<double[]> roundSeconds, int candidate)
    {
        int rounds = roundSeconds[candidate].Length;
        var fastest = new double[rounds];
        for (int r = 0; r < rounds; r++) fastest[r] = roundSeconds.Min(seconds => seconds[r]);
        var ratios = new double[rounds];
        int best = -1;
        double bestScore = double.MaxValue;
        for (int i = 0; i < roundSeconds.Count; i++)
        {
            for (int r = 0; r < rounds; r++) ratios[r] = roundSeconds[i][r] / fastest[r];
            double score = Median(ratios);
            if (score < bestScore) (best, bestScore) = (i, score);
        }
        for (int r = 0; r < rounds; r++) ratios[r] = roundSeconds[candidate][r] / roundSeconds[best][r];
        return Median(ratios);
    }

    /// <summary>The median of <paramref name="values"/>, which it sorts.</summary>
    private static double Median(Span<double> values)
    {
        values.Sort();
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    }
}
