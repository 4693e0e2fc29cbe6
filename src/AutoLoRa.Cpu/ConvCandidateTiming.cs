namespace AutoLoRa.Cpu;

/// <summary>
/// Timing of the candidate algorithms of one convolution pass, interleaved: each round calls every
/// candidate still in the race once (A B C, A B C, …), so a burst of load or a page-fault-heavy call
/// falls on one sample of one candidate, not on all of one candidate's samples; each candidate is
/// then judged by its fastest call (load only ever adds time). Rounds go on past
/// <see cref="MinRounds"/> until every candidate in the race has a second call within
/// <see cref="SteadyTolerance"/> of its fastest (a fastest call confirmed, not one lucky or one slow
/// moment), up to <see cref="MaxRounds"/>: a quiet machine pays <see cref="MinRounds"/> rounds, a busy
/// one at most <see cref="MaxRounds"/>. A candidate whose fastest is more than
/// <see cref="DropFactor"/> times the leader's after two rounds cannot win and leaves the race, and
/// past <see cref="MinRounds"/> only candidates within <see cref="ContenderFactor"/> of the leader
/// are timed on, so the extra rounds of a busy machine time the one or two that could still win. The decisions are pure functions of the recorded times, so
/// scripted times test them.
/// </summary>
public sealed class ConvCandidateTiming
{
    /// <summary>Timed rounds always run (after the caller's untimed warm-up call of each candidate).</summary>
    public const int MinRounds = 3;

    /// <summary>Timed rounds at most, however unsteady the times.</summary>
    public const int MaxRounds = 8;

    /// <summary>How close a candidate's second-fastest call must be to its fastest for it to count as steady (3 %).</summary>
    public const double SteadyTolerance = 1.03;

    /// <summary>How many times slower than the leader a candidate may be (after two rounds) and stay in the race.</summary>
    public const double DropFactor = 1.5;

    /// <summary>How many times slower than the leader a candidate may be after <see cref="MinRounds"/> and still be timed (10 %).</summary>
    public const double ContenderFactor = 1.10;

    private readonly long[] _fastest;
    private readonly long[] _second;
    private readonly bool[] _dropped;

    /// <param name="candidates">How many candidates are timed (at least one).</param>
    public ConvCandidateTiming(int candidates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        _fastest = new long[candidates];
        _second = new long[candidates];
        _dropped = new bool[candidates];
        Array.Fill(_fastest, long.MaxValue);
        Array.Fill(_second, long.MaxValue);
    }

    /// <summary>Candidates timed.</summary>
    public int Count => _fastest.Length;

    /// <summary>Rounds completed (<see cref="EndRound"/> calls).</summary>
    public int Rounds { get; private set; }

    /// <summary>Whether the candidate is still timed in the next round (not dropped as hopeless).</summary>
    public bool InRace(int candidate) => !_dropped[candidate];

    /// <summary>The candidate's fastest call so far (ticks of any clock, the same for all), or <see cref="long.MaxValue"/> before any.</summary>
    public long Fastest(int candidate) => _fastest[candidate];

    /// <summary>Records one timed call of a candidate, in ticks of the caller's clock.</summary>
    public void Record(int candidate, long elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsed);
        if (elapsed < _fastest[candidate])
        {
            _second[candidate] = _fastest[candidate];
            _fastest[candidate] = elapsed;
        }
        else if (elapsed < _second[candidate])
        {
            _second[candidate] = elapsed;
        }
    }

    /// <summary>
    /// Closes a round (every candidate in the race timed once): drops the hopeless, and says whether
    /// another round is wanted.
    /// </summary>
    public bool EndRound()
    {
        Rounds++;
        long leader = _fastest[Best];
        for (int i = 0; i < Count; i++)
        {
            double factor = Rounds >= MinRounds ? ContenderFactor : DropFactor;
            if (Rounds >= 2 && _fastest[i] > factor * leader) _dropped[i] = true;
        }
        if (Rounds < MinRounds) return true;
        if (Rounds >= MaxRounds) return false;
        for (int i = 0; i < Count; i++)
        {
            if (!_dropped[i] && _second[i] > SteadyTolerance * _fastest[i]) return true;
        }
        return false;
    }

    /// <summary>The candidate with the fastest call (the first listed on a tie, the fixed rule's order of preference).</summary>
    public int Best
    {
        get
        {
            int best = 0;
            for (int i = 1; i < Count; i++)
            {
                if (_fastest[i] < _fastest[best]) best = i;
            }
            return best;
        }
    }

    /// <summary>
    /// <paramref name="candidate"/>'s time relative to the fastest of <paramref name="seconds"/> (1.00
    /// for the best): how much a choice gives away against the best candidate measured beside it.
    /// </summary>
    public static double RelativeToBest(ReadOnlySpan<double> seconds, int candidate)
    {
        double best = double.MaxValue;
        foreach (double s in seconds) best = Math.Min(best, s);
        return seconds[candidate] / best;
    }
}
