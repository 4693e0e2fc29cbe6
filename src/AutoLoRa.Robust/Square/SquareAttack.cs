namespace AutoLoRa.Robust;

/// <summary>
/// Square Attack (L∞), a score-based black-box attack: start from vertical stripes of ±ε, then per
/// query add ±2ε (one sign per channel) on a random square window, project back to the ε-ball and
/// [0, 1], and keep the change when the margin z_y − max_{j≠y} z_j decreases or turns ≤ 0. As in the
/// reference, the window and signs of a query are shared by every image of the batch, and only
/// images not yet broken are queried.
/// </summary>
public sealed class SquareAttack : IAttack
{
    /// <summary>Square with <paramref name="config"/>.</summary>
    public SquareAttack(SquareConfig config)
    {
        config.Validate();
        Config = config;
    }

    /// <summary>The attack's settings.</summary>
    public SquareConfig Config { get; }

    /// <inheritdoc/>
    public string Name => "square";

    /// <inheritdoc/>
    public float[] Perturb(ILogitModel model, AttackBatch batch, Random rng)
    {
        int n = batch.Count, c = batch.Channels, h = batch.Height, w = batch.Width, size = batch.ImageSize;
        float eps = Config.Epsilon;
        var x0 = batch.Images;
        var best = new float[x0.Length];
        for (int s = 0; s < n; s++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int col = 0; col < w; col++)
                {
                    float sign = rng.NextDouble() > 0.5 ? 1f : -1f;
                    for (int row = 0; row < h; row++)
                    {
                        int i = s * size + (ch * h + row) * w + col;
                        best[i] = Math.Clamp(x0[i] + eps * sign, 0f, 1f);
                    }
                }
            }
        }
        var margin = Margins(model, best, batch.Labels, batch);

        var signs = new float[c];
        for (int it = 0; it < Config.Queries; it++)
        {
            var active = Enumerable.Range(0, n).Where(s => margin[s] > 0).ToList();
            if (active.Count == 0) break;
            int side = SquareSchedule.Side(SquareSchedule.P(Config.PInit, it), h, w);
            int top = (int)(rng.NextDouble() * (h - side));
            int left = (int)(rng.NextDouble() * (w - side));
            for (int ch = 0; ch < c; ch++) signs[ch] = rng.NextDouble() > 0.5 ? 1f : -1f;

            var candidates = new float[active.Count * size];
            for (int k = 0; k < active.Count; k++)
            {
                var cand = candidates.AsSpan(k * size, size);
                best.AsSpan(active[k] * size, size).CopyTo(cand);
                for (int ch = 0; ch < c; ch++)
                {
                    for (int row = top; row < top + side; row++)
                    {
                        for (int col = left; col < left + side; col++) cand[(ch * h + row) * w + col] += 2 * eps * signs[ch];
                    }
                }
                LinfBall.Project(cand, batch.Image(active[k]), eps);
            }
            var labels = active.Select(s => batch.Labels[s]).ToArray();
            var newMargin = Margins(model, candidates, labels, batch);
            for (int k = 0; k < active.Count; k++)
            {
                int s = active[k];
                if (newMargin[k] < margin[s] || newMargin[k] <= 0)
                {
                    margin[s] = newMargin[k];
                    candidates.AsSpan(k * size, size).CopyTo(best.AsSpan(s * size, size));
                }
            }
        }

        // Like APGD and FAB, hand back the clean image where the attack failed.
        var output = (float[])x0.Clone();
        for (int s = 0; s < n; s++)
        {
            if (margin[s] <= 0) best.AsSpan(s * size, size).CopyTo(output.AsSpan(s * size, size));
        }
        return output;
    }

    /// <summary>One query per image: z_y − max_{j≠y} z_j.</summary>
    private static float[] Margins(ILogitModel model, float[] images, int[] labels, AttackBatch batch)
    {
        var logits = LogitEvaluator.Logits(model, images, batch.ShapeOf(labels.Length), out int classes);
        return AttackLoss.Margin.Evaluate(logits, classes, labels, null).Loss;
    }
}
