namespace AutoLoRa.Core;

/// <summary>
/// Operands for checks and benchmarks: float values uniform in [−1, 1) from a <see cref="Random"/>
/// with a fixed seed, so every run of a check or a benchmark computes on the same numbers.
/// </summary>
public static class SeededUniform
{
    /// <summary><paramref name="count"/> values drawn from a generator seeded with <paramref name="seed"/>.</summary>
    public static float[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
