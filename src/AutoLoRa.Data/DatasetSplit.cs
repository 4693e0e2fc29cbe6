namespace AutoLoRa.Data;

/// <summary>
/// A seeded hold-out split of a training set (the validation set for robust-accuracy model
/// selection). The same seed always gives the same split; the two parts are disjoint and
/// together cover every sample. Not stratified.
/// </summary>
public static class DatasetSplit
{
    /// <summary>Sample indices of each part, ascending.</summary>
    /// <param name="count">Number of samples.</param>
    /// <param name="validationFraction">Share held out, in [0, 1); the count is rounded to nearest.</param>
    /// <param name="seed">Fixes which samples are held out.</param>
    public static (int[] Train, int[] Validation) Indices(int count, double validationFraction, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new DataFormatException($"Validation fraction {validationFraction} is outside [0, 1).");
        int validation = (int)Math.Round(count * validationFraction, MidpointRounding.AwayFromZero);
        var order = Enumerable.Range(0, count).ToArray();
        // A stream id distinct from the loader's shuffles, so a split seed equal to a loader seed does not correlate them.
        var rng = SeededRandom.For(seed, 0x5B1);
        rng.Shuffle(order);
        var val = order.AsSpan(0, validation).ToArray();
        var train = order.AsSpan(validation).ToArray();
        Array.Sort(val);
        Array.Sort(train);
        return (train, val);
    }

    /// <summary>Splits a dataset into training and validation parts (in-memory pixels are copied; folder images are shared).</summary>
    public static (IImageSet Train, IImageSet Validation) Split(IImageSet dataset, double validationFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (train, val) = Indices(dataset.Count, validationFraction, seed);
        return (dataset.Select(train, $"{dataset.Name}[train part]"), dataset.Select(val, $"{dataset.Name}[validation part]"));
    }
}
