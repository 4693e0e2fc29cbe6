using AutoLoRa.Cpu;

namespace AutoLoRa.Robust.Tests;

/// <summary>DLR and targeted DLR against values worked out by hand, and every loss's gradient against finite differences.</summary>
public sealed class LossTests
{
    private static (float Loss, float[] Grad) Eval(AttackLoss.RowLoss loss, float[] z, int y, int t = -1)
    {
        var grad = new float[z.Length];
        return (loss(z, y, t, grad), grad);
    }

    [Fact]
    public void DlrWhenTheLabelIsOnTop()
    {
        // z = [3, 1, 2, 0], y = 0: max other = 2, π3 = 1 → −(3 − 2)/(3 − 1) = −0.5.
        var (loss, grad) = Eval(LogitLosses.Dlr, [3, 1, 2, 0], 0);
        Assert.Equal(-0.5f, loss, 6);
        // dL/dz0 = −1/2 + u/d² = −0.25; dL/dz1 (π3) = −0.25; dL/dz2 = +0.5.
        Assert.Equal([-0.25f, -0.25f, 0.5f, 0f], grad);
    }

    [Fact]
    public void DlrWhenAnotherClassIsOnTop()
    {
        // z = [3, 0, 2, 1], y = 1: u = 0 − 3 = −3, d = 3 − 1 = 2 → 1.5.
        var (loss, grad) = Eval(LogitLosses.Dlr, [3, 0, 2, 1], 1);
        Assert.Equal(1.5f, loss, 6);
        Assert.Equal([-0.25f, -0.5f, 0f, 0.75f], grad);
    }

    [Fact]
    public void TargetedDlrByHand()
    {
        // z = [3, 0, 2, 1], y = 0, t = 2: u = 1, d = 3 − (1 + 0)/2 = 2.5 → −0.4.
        var (loss, grad) = Eval(LogitLosses.TargetedDlr, [3, 0, 2, 1], 0, 2);
        Assert.Equal(-0.4f, loss, 6);
        // y: −1/d + u/d² = −0.24; t: +0.4; π3 (class 3) and π4 (class 1): −u/(2d²) = −0.08.
        float[] expected = [-0.24f, -0.08f, 0.4f, -0.08f];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], grad[i], 6);
    }

    [Fact]
    public void CrossEntropyByHand()
    {
        var (loss, grad) = Eval(LogitLosses.CrossEntropy, [0, 0], 1);
        Assert.Equal(MathF.Log(2), loss, 6);
        Assert.Equal([0.5f, -0.5f], grad);
    }

    [Theory]
    [InlineData("ce")]
    [InlineData("dlr")]
    [InlineData("dlr-targeted")]
    [InlineData("margin")]
    [InlineData("target-difference")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        AttackLoss loss = name switch
        {
            "ce" => AttackLoss.CrossEntropy,
            "dlr" => AttackLoss.Dlr,
            "dlr-targeted" => AttackLoss.TargetedDlr,
            "margin" => AttackLoss.Margin,
            _ => AttackLoss.TargetDifference,
        };
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var z = Enumerable.Range(0, 6).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            int y = rng.Next(6), t = (y + 1 + rng.Next(5)) % 6;
            var (_, grad) = Eval(loss.Row, z, y, t);
            for (int i = 0; i < z.Length; i++)
            {
                const float h = 1e-3f;
                var plus = (float[])z.Clone();
                var minus = (float[])z.Clone();
                plus[i] += h;
                minus[i] -= h;
                double numeric = (Eval(loss.Row, plus, y, t).Loss - Eval(loss.Row, minus, y, t).Loss) / (2.0 * h);
                Assert.True(Math.Abs(numeric - grad[i]) < 2e-2 * Math.Max(1, Math.Abs(numeric)), $"{name} trial {trial} logit {i}: analytic {grad[i]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void InputGradientIsWeightsTransposedTimesLogitGradient()
    {
        using var cpu = new CpuBackend();
        using var model = SyntheticTask.Train(cpu, classes: 4);
        var batch = SyntheticTask.Sample(4, 3, seed: 11);
        var eval = LogitEvaluator.LossGradient(model, batch.Images, batch.ShapeOf(3), AttackLoss.Dlr, batch.Labels);
        var (_, dz) = AttackLoss.Dlr.Evaluate(eval.Logits, 4, batch.Labels, null);
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < model.Features; i++)
            {
                double expected = 0;
                for (int k = 0; k < 4; k++) expected += dz[s * 4 + k] * model.WeightHost[k * model.Features + i];
                Assert.Equal(expected, eval.Grad[s * model.Features + i], 4);
            }
        }
    }
}
