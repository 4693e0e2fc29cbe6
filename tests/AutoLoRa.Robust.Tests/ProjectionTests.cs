namespace AutoLoRa.Robust.Tests;

/// <summary>FAB's minimal L∞ step onto a hyperplane inside the unit box.</summary>
public sealed class ProjectionTests
{
    [Fact]
    public void SpreadsTheStepEvenlyWhenTheBoxDoesNotBind()
    {
        var delta = new float[2];
        LinfHyperplaneProjection.Project([0.5f, 0.5f], [1f, 1f], 1.5, delta);
        Assert.Equal([0.25f, 0.25f], delta);
    }

    [Fact]
    public void SaturatesCoordinatesAtTheBox()
    {
        var delta = new float[2];
        // Coordinate 0 can only rise by 0.1, so coordinate 1 must rise by 0.3.
        LinfHyperplaneProjection.Project([0.9f, 0.5f], [1f, 1f], 1.8, delta);
        Assert.Equal(0.1f, delta[0], 6);
        Assert.Equal(0.3f, delta[1], 6);
    }

    [Fact]
    public void RandomCasesLandOnThePlaneInsideTheBoxWithMinimalNorm()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 50; trial++)
        {
            int d = 1 + rng.Next(12);
            var t = Enumerable.Range(0, d).Select(_ => (float)rng.NextDouble()).ToArray();
            var w = Enumerable.Range(0, d).Select(_ => rng.Next(5) == 0 ? 0f : (float)(rng.NextDouble() * 2 - 1)).ToArray();
            // A target inside the box's range of w·z, so a solution exists.
            var z = Enumerable.Range(0, d).Select(_ => rng.NextDouble()).ToArray();
            double b = z.Select((v, i) => v * w[i]).Sum();
            var delta = new float[d];
            LinfHyperplaneProjection.Project(t, w, b, delta);
            double reached = t.Select((v, i) => (double)(v + delta[i]) * w[i]).Sum();
            Assert.Equal(b, reached, 4);
            Assert.All(t.Select((v, i) => v + delta[i]), v => Assert.InRange(v, -1e-6f, 1 + 1e-6f));
            // Minimality: a slightly smaller budget cannot reach the plane.
            float rho = delta.Select(Math.Abs).DefaultIfEmpty(0).Max();
            double sign = Math.Sign(b - t.Select((v, i) => (double)v * w[i]).Sum());
            double best = t.Select((v, i) => w[i] == 0 ? 0 : Math.Abs(w[i]) * Math.Min(rho * 0.99, sign * w[i] > 0 ? 1 - v : v)).Sum();
            double need = Math.Abs(b - t.Select((v, i) => (double)v * w[i]).Sum());
            Assert.True(best <= need + 1e-6, $"trial {trial}: budget {rho * 0.99} already reaches {best} ≥ {need}");
        }
    }
}
