using AutoLoRa.Cpu;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// The autotuner's decisions from scripted times (ticks of a pretend clock): interleaved rounds
/// judged by each candidate's fastest call, hopeless candidates dropped, rounds extended until the
/// fastest calls are confirmed, and never past the limit.
/// </summary>
public sealed class ConvCandidateTimingTests
{
    /// <summary>Plays rounds of scripted times (one row per round, one column per candidate; 0 = not called) until the timing stops.</summary>
    private static ConvCandidateTiming Play(int candidates, Func<int, int, long> time)
    {
        var timing = new ConvCandidateTiming(candidates);
        bool more;
        do
        {
            int round = timing.Rounds;
            for (int i = 0; i < candidates; i++)
            {
                if (timing.InRace(i)) timing.Record(i, time(round, i));
            }
            more = timing.EndRound();
        }
        while (more);
        return timing;
    }

    [Fact]
    public void A_burst_of_load_on_one_call_does_not_pick_the_slower_candidate()
    {
        // A takes 100, B 110; a burst triples A's first timed call. One call each (as a one-round
        // timing would) picks B; the fastest of the rounds picks A.
        var timing = Play(2, (round, i) => i == 0 ? (round == 0 ? 300 : 100) : 110);
        Assert.Equal(0, timing.Best);
        Assert.Equal(100, timing.Fastest(0));
    }

    [Fact]
    public void Steady_times_stop_after_the_minimum_rounds()
    {
        var timing = Play(3, (round, i) => 100 + 10 * i);
        Assert.Equal(ConvCandidateTiming.MinRounds, timing.Rounds);
        Assert.Equal(0, timing.Best);
    }

    [Fact]
    public void Unconfirmed_times_get_more_rounds_but_never_more_than_the_limit()
    {
        // Each round 10 % faster than the last: a second call never confirms the fastest.
        var timing = Play(2, (round, i) => (long)(1000 * Math.Pow(0.9, round)) + i);
        Assert.Equal(ConvCandidateTiming.MaxRounds, timing.Rounds);

        // Confirmed in the fifth round (a call within 3 % of the fastest): rounds stop there.
        var confirmed = Play(1, (round, _) => round < 4 ? 1000 - 100 * round : 710);
        Assert.Equal(5, confirmed.Rounds);
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
        // Neither A's calls nor C's (3 % to 5 % behind A) ever confirm one another; B is steady but 20 % behind.
        var timing = new ConvCandidateTiming(3);
        bool more = true;
        var calls = new int[3];
        while (more)
        {
            for (int i = 0; i < 3; i++)
            {
                if (!timing.InRace(i)) continue;
                calls[i]++;
                timing.Record(i, i switch { 0 => 1000 - 50 * timing.Rounds, 1 => 1200, _ => 1030 - 50 * timing.Rounds });
            }
            more = timing.EndRound();
        }
        Assert.Equal(ConvCandidateTiming.MaxRounds, timing.Rounds);
        Assert.Equal(ConvCandidateTiming.MinRounds, calls[1]);
        Assert.Equal(ConvCandidateTiming.MaxRounds, calls[2]);
        Assert.Equal(0, timing.Best);
    }

    [Fact]
    public void A_tie_goes_to_the_first_candidate_the_fixed_rules_preference()
    {
        var timing = Play(3, (_, i) => i == 0 ? 120 : 100);
        Assert.Equal(1, timing.Best);
    }

    [Theory]
    [InlineData(0, 2.0)]
    [InlineData(1, 1.0)]
    [InlineData(2, 1.5)]
    public void Relative_to_best_divides_by_the_fastest_candidate(int candidate, double expected)
    {
        double[] seconds = [0.02, 0.01, 0.015];
        Assert.Equal(expected, ConvCandidateTiming.RelativeToBest(seconds, candidate), 12);
    }
}
