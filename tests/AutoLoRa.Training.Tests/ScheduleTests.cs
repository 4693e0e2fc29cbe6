using AutoLoRa.Training.Schedules;

namespace AutoLoRa.Training.Tests;

/// <summary>The schedulers' decision rules on scripted validation accuracies.</summary>
public sealed class ScheduleTests
{
    private static List<LearningRateDecision> Feed(AutomaticLearningRate rule, params float[] accuracies) =>
        accuracies.Select(rule.Record).ToList();

    [Fact]
    public void SteadyImprovementKeepsTheRate()
    {
        var rule = new AutomaticLearningRate();
        var decisions = Feed(rule, 0.10f, 0.20f, 0.30f, 0.40f, 0.50f, 0.55f, 0.60f, 0.65f, 0.70f);
        Assert.All(decisions, d => Assert.Equal(HalvingReason.None, d.Halving));
        Assert.Equal(0.01f, rule.Rate);
        Assert.All(decisions, d => Assert.True(d.IsNewBest));
    }

    [Fact]
    public void Condition1HalvesWhenFewerThanRhoOfEpochsImproved()
    {
        var rule = new AutomaticLearningRate();
        // Epochs 0..4: increases at 0→1, 1→2 and 3→4 only: 3 of 4 = 0.75, not < 0.75 → no halving.
        var first = Feed(rule, 0.1f, 0.2f, 0.3f, 0.25f, 0.35f);
        Assert.Equal(HalvingReason.None, first[4].Halving);
        // Epochs 5..8: one increase of four → halve and restore the best weights.
        var second = Feed(rule, 0.30f, 0.34f, 0.33f, 0.32f);
        Assert.Equal(HalvingReason.Condition1, second[3].Halving);
        Assert.True(second[3].RestoreBest);
        Assert.Equal(0.005f, rule.Rate);
    }

    [Fact]
    public void Condition2HalvesWhenTheBestStalledAndTheRateWasNotJustHalved()
    {
        var rule = new AutomaticLearningRate();
        Feed(rule, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f);                 // check at 4: fine, best 0.5
        // Epochs 5..8 oscillate upwards 3 times of 4 but never beat 0.5: condition 1 fails, 2 holds.
        var d = Feed(rule, 0.40f, 0.41f, 0.42f, 0.43f);
        Assert.Equal(HalvingReason.Condition2, d[3].Halving);
        Assert.Equal(0.005f, rule.Rate);
        // Check at 12: again no new best, but the rate was halved at the previous check → condition 2 does not apply.
        var e = Feed(rule, 0.30f, 0.31f, 0.32f, 0.33f);
        Assert.Equal(HalvingReason.None, e[3].Halving);
        Assert.Equal(0.005f, rule.Rate);
    }

    [Fact]
    public void StopsOnceTheRateFallsBelowTheMinimum()
    {
        var rule = new AutomaticLearningRate(initialRate: 4e-5f, period: 1, minimumRate: 1e-5f);
        var d = Feed(rule, 0.5f, 0.4f, 0.3f, 0.2f);
        Assert.False(d[1].Stop);                // 2e-5
        Assert.False(d[2].Stop);                // 1e-5 is not below 1e-5
        Assert.True(d[3].Stop);                 // 5e-6
    }

    [Fact]
    public void StateRoundTripContinuesIdentically()
    {
        float[] script = [0.1f, 0.2f, 0.15f, 0.12f, 0.11f, 0.3f, 0.29f, 0.28f, 0.27f, 0.26f, 0.25f, 0.24f, 0.23f];
        var whole = new AutomaticLearningRate();
        var expected = Feed(whole, script);
        var first = new AutomaticLearningRate();
        Feed(first, script[..6]);
        var resumed = new AutomaticLearningRate();
        resumed.ImportState(first.ExportState());
        var rest = Feed(resumed, script[6..]);
        Assert.Equal(expected[6..], rest);
        Assert.Equal(whole.Rate, resumed.Rate);
    }

    [Theory]
    [InlineData(0f, 1f, 0f)]
    [InlineData(0.5f, 0.5f, 3f)]
    [InlineData(1f, 0f, 6f)]
    public void AutomaticScalarsFollowTheFormula(float sa, float lambda1, float lambda2)
    {
        var scalars = AutomaticScalars.Automatic();
        scalars.Update(sa);
        Assert.Equal(lambda1, scalars.Lambda1, 6);
        Assert.Equal(lambda2, scalars.Lambda2, 6);
    }

    [Fact]
    public void AlphaSharpensTheScalarsAndFixedOnesNeverMove()
    {
        var scalars = AutomaticScalars.Automatic(alpha: 2f, lambda2Max: 4f);
        scalars.Update(0.5f);
        Assert.Equal(0.75f, scalars.Lambda1, 6);
        Assert.Equal(1f, scalars.Lambda2, 6);
        var fixedOnes = AutomaticScalars.Fixed(0.5f, 6f);
        fixedOnes.Update(0.9f);
        Assert.Equal((0.5f, 6f), (fixedOnes.Lambda1, fixedOnes.Lambda2));
    }

    [Fact]
    public void StepDecayDividesAtMilestones()
    {
        var decay = StepDecay.TradesDefault(0.01f, 12);
        Assert.Equal([6, 9], decay.Milestones);
        Assert.Equal(0.01f, decay.RateAt(5), 7);
        Assert.Equal(0.001f, decay.RateAt(6), 7);
        Assert.Equal(0.0001f, decay.RateAt(11), 7);
    }

    [Fact]
    public void TwinsDecaysAtEpochs30And50Of60AsItsScript()
    {
        var decay = StepDecay.TwinsDefault(0.003f, 60);
        Assert.Equal([30, 50], decay.Milestones);
        Assert.Equal(0.003f, decay.RateAt(29), 7);
        Assert.Equal(0.0003f, decay.RateAt(30), 7);
        Assert.Equal(0.00003f, decay.RateAt(50), 8);
    }

    [Fact]
    public void MeasuredScalarsRefreshEveryQuarterAndRestore()
    {
        int calls = 0;
        var scalars = new MeasuredScalars(AutomaticScalars.Automatic(alpha: 2f, lambda2Max: 4f), () => ++calls * 0.1f);
        for (int batch = 0; batch < 9; batch++) scalars.OnEpochProgress(batch, batchesPerEpoch: 9);
        // Batches 0, 2, 4, 6 and 8 start a quarter (9 / 4 = 2 batches each, rounded down).
        Assert.Equal(5, calls);
        Assert.Equal(0.5f, scalars.Accuracy, 6);
        Assert.Equal(0.75f, scalars.Weights.Lambda1, 6);
        Assert.Equal(1f, scalars.Weights.Lambda2, 6);
        var copy = new MeasuredScalars(AutomaticScalars.Automatic(), () => throw new InvalidOperationException("not measured"));
        copy.Restore(scalars.Values);
        Assert.Equal(scalars.Values, copy.Values);
    }
}
