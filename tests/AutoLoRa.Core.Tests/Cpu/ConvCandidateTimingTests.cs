using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The autotuner's decisions from scripted times (ticks of a pretend clock): interleaved rounds in
/// alternating order, candidates compared within each round and judged by the median, hopeless
/// candidates dropped, rounds extended while the leader has not won the last ones, and never past
/// the limit.
/// </summary>
public sealed class ConvCandidateTimingTests
{
    /// <summary>Plays rounds of scripted times (by round and candidate) in the timing's order until it stops; returns it and each candidate's calls.</summary>
    private static (ConvCandidateTiming Timing, int[] Calls) Play(int candidates, Func<int, int, long> time)
    {
        var timing = new ConvCandidateTiming(candidates);
        var calls = new int[candidates];
        bool more;
        do
        {
            int round = timing.Rounds;
            for (int position = 0; position < candidates; position++)
            {
                int i = timing.CandidateAt(position);
                if (!timing.InRace(i)) continue;
                calls[i]++;
                timing.Record(i, time(round, i));
            }
            more = timing.EndRound();
        }
        while (more);
        return (timing, calls);
    }

    [Fact]
    public void A_burst_of_load_on_one_call_does_not_pick_the_slower_candidate()
    {
        // A takes 100, B 110; a burst triples A's first timed call. One call each (as a one-round
        // timing would) picks B; the median of the rounds picks A.
        var (timing, _) = Play(2, (round, i) => i == 0 ? (round == 0 ? 300 : 100) : 110);
        Assert.Equal(0, timing.Best);
        Assert.Equal(1.0, timing.Score(0));
        Assert.Equal(1.1, timing.Score(1), 12);
    }

    [Fact]
    public void A_fast_moment_on_calls_of_the_slower_candidate_does_not_pick_it()
    {
        // A takes 100, B 115, but the machine runs 25 % faster for two of B's calls: judged by the
        // fastest call, B (two calls of 86, confirming each other) would win; within their rounds
        // B is behind in seven of nine.
        var (timing, _) = Play(2, (round, i) => i == 0 ? 100 : round is 3 or 6 ? 86 : 115);
        Assert.Equal(0, timing.Best);
    }

    [Fact]
    public void A_machine_changing_speed_between_rounds_does_not_confuse_the_ranking()
    {
        // Every other round runs at half speed; B is 5 % behind A at either speed.
        var (timing, calls) = Play(2, (round, i) => (round % 2 == 0 ? 100 : 200) * (i == 0 ? 100 : 105));
        Assert.Equal(0, timing.Best);
        Assert.Equal(1.05, timing.Score(1), 12);
        Assert.Equal(ConvCandidateTiming.MinRounds, calls[1]); // beaten in every round: no extra rounds
    }

    [Fact]
    public void Rounds_alternate_the_order_of_the_candidates()
    {
        var timing = new ConvCandidateTiming(3);
        Assert.Equal([0, 1, 2], Enumerable.Range(0, 3).Select(timing.CandidateAt));
        for (int i = 0; i < 3; i++) timing.Record(i, 100 + i);
        timing.EndRound();
        Assert.Equal([2, 1, 0], Enumerable.Range(0, 3).Select(timing.CandidateAt));
    }

    [Fact]
    public void A_clear_leader_stops_after_the_minimum_rounds()
    {
        var (timing, _) = Play(3, (round, i) => 100 + 5 * i);
        Assert.Equal(ConvCandidateTiming.MinRounds, timing.Rounds);
        Assert.Equal(0, timing.Best);
    }

    [Fact]
    public void A_near_tie_gets_more_rounds_but_never_more_than_the_limit()
    {
        // B is ahead in every third round: the leader A never wins all of the last rounds.
        var (timing, calls) = Play(2, (round, i) => i == 0 ? 100 : round % 3 == 0 ? 98 : 103);
        Assert.Equal(ConvCandidateTiming.MaxRounds, timing.Rounds);
        Assert.Equal([ConvCandidateTiming.MaxRounds, ConvCandidateTiming.MaxRounds], calls);
        Assert.Equal(0, timing.Best);
        Assert.Throws<InvalidOperationException>(() => timing.Record(0, 100));
    }

    [Fact]
    public void A_hopeless_candidate_leaves_the_race_after_two_rounds()
    {
        var timing = new ConvCandidateTiming(3);
        long[] times = [100, 140, 400]; // the third is 4× the leader, the second within the drop factor
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 3; i++) timing.Record(i, times[i]);
            timing.EndRound();
            Assert.True(timing.InRace(0));
            Assert.True(timing.InRace(1));
            // One round could be a burst: a candidate is judged on two.
            Assert.Equal(round == 0, timing.InRace(2));
        }
    }

    [Fact]
    public void Rounds_past_the_minimum_time_only_the_contenders()
    {
        // C is 3 % behind A in even rounds and 1 % ahead in odd ones; B is steady but 20 % behind.
        var (timing, calls) = Play(3, (round, i) => i switch { 0 => 1000, 1 => 1200, _ => round % 2 == 0 ? 1030 : 990 });
        Assert.Equal(ConvCandidateTiming.MaxRounds, timing.Rounds);
        Assert.Equal([ConvCandidateTiming.MaxRounds, ConvCandidateTiming.MinRounds, ConvCandidateTiming.MaxRounds], calls);
        Assert.Equal(0, timing.Best);
    }

    [Fact]
    public void A_tie_goes_to_the_first_candidate_the_fixed_rules_preference()
    {
        var (timing, _) = Play(3, (_, i) => i == 0 ? 120 : 100);
        Assert.Equal(1, timing.Best);
    }

    [Theory]
    [InlineData(0, 2.0)]
    [InlineData(1, 1.0)]
    [InlineData(2, 1.5)]
    public void Relative_to_best_divides_by_the_best_candidate_round_by_round(int candidate, double expected)
    {
        // The machine runs at half speed in the second round: the rounds' ratios do not change.
        double[][] seconds = [[0.02, 0.04, 0.02], [0.01, 0.02, 0.01], [0.015, 0.03, 0.015]];
        Assert.Equal(expected, ConvCandidateTiming.RelativeToBest(seconds, candidate), 12);
    }

    [Fact]
    public void Relative_to_best_is_not_moved_by_slow_rounds_that_fall_on_one_candidates_median()
    {
        // B is 5 % behind A in four of five rounds; the third round is slow for B alone (a moment of load
        // mid-round). The ratio of the medians would read 3.15; the rounds' ratios read 1.05.
        double[][] seconds = [[1, 1, 1, 3, 3], [1.05, 1.05, 3.15, 3.15, 3.15]];
        Assert.Equal(1.05, ConvCandidateTiming.RelativeToBest(seconds, 1), 12);
        Assert.Equal(1.0, ConvCandidateTiming.RelativeToBest(seconds, 0), 12);
    }
}
