namespace AutoLoRa.Robust;

/// <summary>Host-side helpers for the L∞ threat model: projection, random starts, norms.</summary>
public static class LinfBall
{
    /// <summary>x ← clip01(clip(x, x0 − ε, x0 + ε)), in place; the order every attack projects in.</summary>
    public static void Project(Span<float> x, ReadOnlySpan<float> x0, float eps)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = Math.Min(Math.Max(x[i], x0[i] - eps), x0[i] + eps);
            x[i] = Math.Clamp(v, 0f, 1f);
        }
    }

    /// <summary>max_i |a_i − b_i|.</summary>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0f;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>
    /// APGD's start: per image t ~ U(−1, 1) rescaled so max|t| = 1, then x0 + ε·t clipped to [0, 1]
    /// (so at least one coordinate sits on the sphere before clipping).
    /// </summary>
    public static float[] RandomStart(AttackBatch batch, float eps, Random rng)
    {
        var result = new float[batch.Images.Length];
        var t = new float[batch.ImageSize];
        for (int n = 0; n < batch.Count; n++)
        {
            float max = 0f;
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = (float)(rng.NextDouble() * 2 - 1);
                max = Math.Max(max, Math.Abs(t[i]));
            }
            var x0 = batch.Image(n);
            var x = result.AsSpan(n * batch.ImageSize, batch.ImageSize);
            for (int i = 0; i < t.Length; i++) x[i] = Math.Clamp(x0[i] + eps * t[i] / (max + 1e-12f), 0f, 1f);
        }
        return result;
    }
}
