namespace AutoLoRa.Robust;

/// <summary>
/// FAB-T (L∞): for each target class (2nd … 10th highest clean logit) on the samples not yet broken,
/// 100 iterations of: linearise z_t − z_y at the current point, project both the current point and
/// the clean image onto the linearised boundary (within the box), step towards a convex combination
/// of the two (biased to the clean image by at most α_max, extrapolated by η) and, once across the
/// boundary, remember the point if it is the closest so far and pull back towards the clean image by β.
/// A sample counts as broken only if its closest adversarial point is within ε.
/// </summary>
public sealed class FabTargetedAttack : IAttack
{
    /// <summary>FAB-T with <paramref name="config"/>.</summary>
    public FabTargetedAttack(FabConfig config)
    {
        config.Validate();
        Config = config;
    }

    /// <summary>The attack's settings.</summary>
    public FabConfig Config { get; }

    /// <inheritdoc/>
    public string Name => "fab-t";

    /// <summary>Norms are floored here before forming α, as the reference does.</summary>
    private const float NormFloor = 1e-8f;

    /// <inheritdoc/>
    public float[] Perturb(ILogitModel model, AttackBatch batch, Random rng)
    {
        var output = (float[])batch.Images.Clone();
        var clean = LogitEvaluator.Logits(model, batch.Images, batch.ShapeOf(batch.Count), out int classes);
        var broken = new bool[batch.Count];
        for (int rank = 2; rank <= TargetSelection.Count(Config.TargetClasses, classes) + 1; rank++)
        {
            var remaining = Enumerable.Range(0, batch.Count).Where(s => !broken[s]).ToList();
            if (remaining.Count == 0) break;
            var sub = batch.Select(remaining);
            var targets = TargetSelection.KthHighest(ApgdTargetedAttack.SelectRows(clean, classes, remaining), classes, rank);
            var adv = RunTarget(model, sub, targets);
            var predictions = LogitEvaluator.Predict(model, adv, sub.ShapeOf(sub.Count));
            for (int i = 0; i < remaining.Count; i++)
            {
                var candidate = adv.AsSpan(i * sub.ImageSize, sub.ImageSize);
                if (predictions[i] == sub.Labels[i] || LinfBall.Distance(candidate, sub.Image(i)) > Config.Epsilon) continue;
                broken[remaining[i]] = true;
                candidate.CopyTo(output.AsSpan(remaining[i] * batch.ImageSize, batch.ImageSize));
            }
        }
        return output;
    }

    /// <summary>One targeted FAB run from the clean images; returns the closest adversarial point found (clean if none).</summary>
    private float[] RunTarget(ILogitModel model, AttackBatch batch, int[] targets)
    {
        int n = batch.Count, size = batch.ImageSize;
        var shape = batch.ShapeOf(n);
        var x0 = batch.Images;
        var x1 = (float[])x0.Clone();
        var best = (float[])x0.Clone();
        var bestNorm = Enumerable.Repeat(float.PositiveInfinity, n).ToArray();
        var d1 = new float[size];
        var d2 = new float[size];

        for (int it = 0; it < Config.Iterations; it++)
        {
            var eval = LogitEvaluator.LossGradient(model, x1, shape, AttackLoss.TargetDifference, batch.Labels, targets);
            for (int s = 0; s < n; s++)
            {
                var point = x1.AsSpan(s * size, size);
                var origin = x0.AsSpan(s * size, size);
                var w = eval.Grad.AsSpan(s * size, size);
                // Linearisation f(z) ≈ f(x1) + w·(z − x1); its zero set is w·z = w·x1 − f(x1).
                double b = -eval.Loss[s];
                for (int i = 0; i < size; i++) b += (double)w[i] * point[i];
                LinfHyperplaneProjection.Project(point, w, b, d1);
                LinfHyperplaneProjection.Project(origin, w, b, d2);
                float a1 = Math.Max(MaxAbs(d1), NormFloor), a2 = Math.Max(MaxAbs(d2), NormFloor);
                float alpha = Math.Min(Math.Max(a1 / (a1 + a2), 0f), Config.AlphaMax);
                for (int i = 0; i < size; i++)
                {
                    float v = (point[i] + Config.Eta * d1[i]) * (1 - alpha) + (origin[i] + d2[i] * Config.Eta) * alpha;
                    point[i] = Math.Clamp(v, 0f, 1f);
                }
            }

            var predictions = LogitEvaluator.Predict(model, x1, shape);
            for (int s = 0; s < n; s++)
            {
                if (predictions[s] == batch.Labels[s]) continue;
                var point = x1.AsSpan(s * size, size);
                var origin = x0.AsSpan(s * size, size);
                float norm = LinfBall.Distance(point, origin);
                if (norm < bestNorm[s])
                {
                    bestNorm[s] = norm;
                    point.CopyTo(best.AsSpan(s * size, size));
                }
                for (int i = 0; i < size; i++) point[i] = origin[i] + (point[i] - origin[i]) * Config.Beta;
            }
        }
        return best;
    }

    private static float MaxAbs(ReadOnlySpan<float> v)
    {
        float max = 0f;
        foreach (float x in v) max = Math.Max(max, Math.Abs(x));
        return max;
    }
}
