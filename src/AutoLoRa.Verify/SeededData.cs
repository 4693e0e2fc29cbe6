namespace AutoLoRa.Verify;

/// <summary>Seeded inputs for the cases: the same seed gives the same values on every machine, so a failure reproduces.</summary>
public sealed class SeededData(int seed)
{
    private readonly Random _rng = new(seed);

    /// <summary>Uniform values in [low, high).</summary>
    public float[] Uniform(int count, float low = -1f, float high = 1f)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = low + (high - low) * (float)_rng.NextDouble();
        return data;
    }

    /// <summary>Class labels in [0, classes).</summary>
    public int[] Labels(int count, int classes)
    {
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = _rng.Next(classes);
        return labels;
    }
}
