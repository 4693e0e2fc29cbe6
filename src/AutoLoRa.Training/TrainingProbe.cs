namespace AutoLoRa.Training;

/// <summary>Fixed random subsets of the training data on which a run measures things (the scalar probe, the gradient-similarity batches).</summary>
public static class TrainingProbe
{
    /// <summary>Seed stream of AutoLoRa's natural-accuracy probe (kept from the first release, so runs reproduce).</summary>
    public const long ScalarStream = 0x5CA1A5;

    /// <summary>Seed stream of the gradient-similarity batches.</summary>
    public const long GradientStream = 0x6AD51;

    /// <summary><paramref name="size"/> images drawn once by a seeded shuffle (all of them when there are fewer).</summary>
    public static IImageSet Subset(IImageSet train, int size, int seed, long stream)
    {
        if (train.Count <= size) return train;
        var order = Enumerable.Range(0, train.Count).ToArray();
        var rng = SeededRandom.For((ulong)seed, stream);
        rng.Shuffle(order);
        return train.Select(order.AsSpan(0, size), train.Name + " (probe)");
    }
}
