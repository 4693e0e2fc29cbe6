namespace AutoLoRa.Reproduction;

/// <summary>One measure across a variant's seeds: mean and sample standard deviation (n − 1; 0 for one seed).</summary>
public readonly record struct SeedSpread(double Mean, double Std, int Count)
{
    /// <summary>Mean and sample standard deviation of <paramref name="values"/>.</summary>
    public static SeedSpread Of(IEnumerable<double> values)
    {
        var xs = values.ToList();
        if (xs.Count == 0) throw new ArgumentException("A spread needs at least one value.", nameof(values));
        double mean = xs.Average();
        double std = xs.Count < 2 ? 0 : Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
        return new SeedSpread(mean, std, xs.Count);
    }
}
