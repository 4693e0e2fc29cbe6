namespace AutoLoRa.Data;

/// <summary>
/// Loads a split of a data spec (<c>--data</c>), applies a class subset (<c>--classes</c>) and an
/// optional size limit: what the training verbs, the demo and the reproduction runner all select.
/// </summary>
public static class DataSelection
{
    /// <summary>The training split; a limit keeps the first n samples after a seeded shuffle, so every class stays represented.</summary>
    public static (ImageDataset Data, DataSource Source) Train(string spec, string? classes, int? limit, int seed)
    {
        var source = DataSource.Parse(spec);
        return (Limit(Subset(source.LoadTrain(), classes), limit, seed, shuffle: true), source);
    }

    /// <summary>The test split; a limit keeps its first n samples (the convention of --n in robustness evaluations).</summary>
    public static ImageDataset Test(string spec, string? classes, int? limit) =>
        Limit(Subset(DataSource.Parse(spec).LoadTest(), classes), limit, seed: 0, shuffle: false);

    private static ImageDataset Subset(ImageDataset data, string? classes) =>
        classes is null ? data : ClassSubset.Apply(data, ClassSubset.Parse(classes, data.ClassCount));

    private static ImageDataset Limit(ImageDataset data, int? n, int seed, bool shuffle)
    {
        if (n is null || n >= data.Count) return data;
        if (n < 1) throw new ArgumentException($"A size limit must be at least 1 (got {n}).");
        var order = Enumerable.Range(0, data.Count).ToArray();
        if (shuffle)
        {
            var rng = SeededRandom.For((ulong)seed, 0x11417);
            rng.Shuffle(order);
        }
        return data.Select(order.AsSpan(0, n.Value), $"{data.Name} (first {n})");
    }
}
