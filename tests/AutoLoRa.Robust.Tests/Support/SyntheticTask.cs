using AutoLoRa.Core.Backends;

namespace AutoLoRa.Robust.Tests;

/// <summary>
/// A separable synthetic task (1×6×6 images, one random template per class plus noise) and a
/// softmax-regression model trained on it on the host in a few milliseconds.
/// </summary>
public static class SyntheticTask
{
    public const int Channels = 1, Height = 6, Width = 6, Features = Channels * Height * Width;

    public static AttackBatch Sample(int classes, int count, int seed, int templateSeed = 1)
    {
        var templates = Templates(classes, templateSeed);
        var rng = new Random(seed);
        var images = new float[count * Features];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = s % classes;
            for (int i = 0; i < Features; i++)
            {
                images[s * Features + i] = Math.Clamp(templates[labels[s]][i] + (float)(rng.NextDouble() - 0.5) * 0.3f, 0f, 1f);
            }
        }
        return new AttackBatch(images, labels, Channels, Height, Width);
    }

    /// <summary>Softmax regression fitted by full-batch gradient descent.</summary>
    public static LinearModel Train(Backend backend, int classes, int seed = 3)
    {
        var data = Sample(classes, 40 * classes, seed);
        var w = new double[classes * Features];
        var b = new double[classes];
        var p = new double[classes];
        for (int epoch = 0; epoch < 300; epoch++)
        {
            var gw = new double[w.Length];
            var gb = new double[classes];
            for (int s = 0; s < data.Count; s++)
            {
                var x = data.Image(s);
                double max = double.NegativeInfinity;
                for (int k = 0; k < classes; k++)
                {
                    p[k] = b[k];
                    for (int i = 0; i < Features; i++) p[k] += w[k * Features + i] * x[i];
                    max = Math.Max(max, p[k]);
                }
                double sum = 0;
                for (int k = 0; k < classes; k++) sum += p[k] = Math.Exp(p[k] - max);
                for (int k = 0; k < classes; k++)
                {
                    double g = p[k] / sum - (k == data.Labels[s] ? 1 : 0);
                    gb[k] += g;
                    for (int i = 0; i < Features; i++) gw[k * Features + i] += g * x[i];
                }
            }
            for (int i = 0; i < w.Length; i++) w[i] -= 0.5 * gw[i] / data.Count;
            for (int k = 0; k < classes; k++) b[k] -= 0.5 * gb[k] / data.Count;
        }
        return new LinearModel(backend, [.. w.Select(v => (float)v)], [.. b.Select(v => (float)v)]);
    }

    private static float[][] Templates(int classes, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, Features).Select(_ => 0.2f + 0.6f * (float)rng.NextDouble()).ToArray())];
    }
}
