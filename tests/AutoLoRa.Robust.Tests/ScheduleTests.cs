namespace AutoLoRa.Robust.Tests;

/// <summary>APGD's checkpoints, Square's p schedule and square-side rounding.</summary>
public sealed class ScheduleTests
{
    [Fact]
    public void ApgdCheckpointsFor100IterationsMatchTheReference()
    {
        Assert.Equal([22, 41, 57, 70, 80, 87, 93, 99], ApgdSchedule.Checkpoints(100));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200)]
    [InlineData(1000)]
    public void ApgdCheckpointsFollowThePaperFormula(int iterations)
    {
        // p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), checkpoint ⌈p_j·N⌉;
        // decimal keeps 0.41·100 from becoming 41.000000001.
        var expected = new List<int>();
        decimal before = 0m, p = 0.22m;
        while (p <= 1m)
        {
            expected.Add((int)Math.Ceiling(p * iterations));
            (before, p) = (p, p + Math.Max(p - before - 0.03m, 0.06m));
        }
        Assert.Equal(expected, ApgdSchedule.Checkpoints(iterations));
    }

    [Theory]
    [InlineData(0, 0.8f)]
    [InlineData(10, 0.8f)]
    [InlineData(11, 0.4f)]
    [InlineData(50, 0.4f)]
    [InlineData(51, 0.2f)]
    [InlineData(200, 0.2f)]
    [InlineData(201, 0.1f)]
    [InlineData(500, 0.1f)]
    [InlineData(501, 0.05f)]
    [InlineData(1000, 0.05f)]
    [InlineData(1001, 0.025f)]
    [InlineData(2000, 0.025f)]
    [InlineData(2001, 0.0125f)]
    [InlineData(4000, 0.0125f)]
    [InlineData(4001, 0.00625f)]
    [InlineData(4999, 0.00625f)]
    public void SquarePHalvesAtTheScheduledQueries(int iteration, float expected)
    {
        Assert.Equal(expected, SquareSchedule.P(0.8f, iteration), 7);
    }

    [Theory]
    [InlineData(0.8f, 32, 29)]
    [InlineData(0.8f, 224, 200)]
    [InlineData(0.25f, 5, 2)] // √6.25 = 2.5 → 2 (half to even; away from zero would give 3)
    [InlineData(0.25f, 7, 4)] // √12.25 = 3.5 → 4
    [InlineData(0.001f, 6, 1)] // never below 1
    [InlineData(1f, 6, 6)]
    public void SquareSideRoundsHalfToEven(float p, int size, int expected)
    {
        Assert.Equal(expected, SquareSchedule.Side(p, size, size));
    }
}
