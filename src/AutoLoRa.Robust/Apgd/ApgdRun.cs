namespace AutoLoRa.Robust;

/// <summary>What one APGD run found: per sample the last misclassified iterate (or the start point) and whether it was fooled.</summary>
public sealed record ApgdResult(float[] Adversarial, bool[] Fooled, float[] BestLoss);

/// <summary>
/// One APGD run (one restart) on a batch, following the reference implementation step by step:
/// random start, momentum step, per-sample step sizes halved at the checkpoints of
/// <see cref="ApgdSchedule"/> when the loss oscillates or stalls, restarting from the best point.
/// Per-sample bookkeeping lives on the host; every loss and gradient comes from the backend.
/// </summary>
public static class ApgdRun
{
    /// <param name="model">The attacked model.</param>
    /// <param name="batch">Clean images and labels.</param>
    /// <param name="config">ε, iterations, ρ.</param>
    /// <param name="loss">The per-sample loss maximised.</param>
    /// <param name="targets">Target class per sample for targeted losses, else null.</param>
    /// <param name="rng">Source of the random start.</param>
    public static ApgdResult Run(ILogitModel model, AttackBatch batch, ApgdConfig config, AttackLoss loss, int[]? targets, Random rng)
    {
        config.Validate();
        int n = batch.Count, size = batch.ImageSize, iterations = config.Iterations;
        float eps = config.Epsilon;
        var shape = batch.ShapeOf(n);
        var labels = batch.Labels;
        var x0 = batch.Images;

        var x = LinfBall.RandomStart(batch, eps, rng);
        var eval = LogitEvaluator.LossGradient(model, x, shape, loss, labels, targets);
        var grad = eval.Grad;
        var xBest = (float[])x.Clone();
        var gradBest = (float[])grad.Clone();
        var lossBest = (float[])eval.Loss.Clone();
        var xBestAdv = (float[])x.Clone();
        var fooled = new bool[n];
        MarkFooled(eval, labels, x, xBestAdv, fooled, size);

        var step = Enumerable.Repeat(ApgdConfig.InitialStepFactor * eps, n).ToArray();
        var xPrev = (float[])x.Clone();
        var diff = new float[x.Length];
        // Loss of every iterate, read back over the last window at each checkpoint. Zero-initialised:
        // the first window's oldest comparison wraps to the last row (still 0), as the reference's
        // negative index does.
        var lossSteps = new float[iterations][];
        for (int i = 0; i < iterations; i++) lossSteps[i] = new float[n];
        var reducedLastCheck = Enumerable.Repeat(true, n).ToArray();
        var lossBestLastCheck = (float[])lossBest.Clone();
        int window = ApgdSchedule.FirstWindow(iterations), sinceCheck = 0;

        for (int it = 0; it < iterations; it++)
        {
            float a = it == 0 ? 1f : ApgdConfig.Momentum;
            for (int i = 0; i < x.Length; i++)
            {
                diff[i] = x[i] - xPrev[i];
                xPrev[i] = x[i];
            }
            for (int s = 0; s < n; s++)
            {
                var xs = x.AsSpan(s * size, size);
                var gs = grad.AsSpan(s * size, size);
                var ds = diff.AsSpan(s * size, size);
                var cs = x0.AsSpan(s * size, size);
                float eta = step[s];
                for (int i = 0; i < size; i++)
                {
                    float z = xs[i] + eta * MathF.Sign(gs[i]);
                    z = Math.Clamp(Math.Min(Math.Max(z, cs[i] - eps), cs[i] + eps), 0f, 1f);
                    float next = xs[i] + (z - xs[i]) * a + ds[i] * (1 - a);
                    xs[i] = Math.Clamp(Math.Min(Math.Max(next, cs[i] - eps), cs[i] + eps), 0f, 1f);
                }
            }

            eval = LogitEvaluator.LossGradient(model, x, shape, loss, labels, targets);
            grad = eval.Grad;
            MarkFooled(eval, labels, x, xBestAdv, fooled, size);
            Array.Copy(eval.Loss, lossSteps[it], n);
            for (int s = 0; s < n; s++)
            {
                if (eval.Loss[s] > lossBest[s])
                {
                    Array.Copy(x, s * size, xBest, s * size, size);
                    Array.Copy(grad, s * size, gradBest, s * size, size);
                    lossBest[s] = eval.Loss[s];
                }
            }

            if (++sinceCheck == window)
            {
                for (int s = 0; s < n; s++)
                {
                    bool oscillating = Increases(lossSteps, it, window, s) <= window * config.Rho;
                    bool stalled = !reducedLastCheck[s] && lossBestLastCheck[s] >= lossBest[s];
                    bool reduce = oscillating || stalled;
                    reducedLastCheck[s] = reduce;
                    lossBestLastCheck[s] = lossBest[s];
                    if (reduce)
                    {
                        step[s] /= 2f;
                        Array.Copy(xBest, s * size, x, s * size, size);
                        Array.Copy(gradBest, s * size, grad, s * size, size);
                    }
                }
                window = ApgdSchedule.NextWindow(window, iterations);
                sinceCheck = 0;
            }
        }
        return new ApgdResult(xBestAdv, fooled, lossBest);
    }

    /// <summary>How often the loss of sample s rose from one iterate to the next over the last window.</summary>
    private static int Increases(float[][] lossSteps, int it, int window, int s)
    {
        int count = 0, rows = lossSteps.Length;
        for (int c = 0; c < window; c++)
        {
            int now = it - c, before = ((it - c - 1) % rows + rows) % rows;
            if (lossSteps[now][s] > lossSteps[before][s]) count++;
        }
        return count;
    }

    private static void MarkFooled(LossAndGradient eval, int[] labels, float[] x, float[] xBestAdv, bool[] fooled, int size)
    {
        var predictions = LogitEvaluator.ArgMaxRows(eval.Logits, eval.Classes);
        for (int s = 0; s < labels.Length; s++)
        {
            if (predictions[s] == labels[s]) continue;
            fooled[s] = true;
            Array.Copy(x, s * size, xBestAdv, s * size, size);
        }
    }
}
