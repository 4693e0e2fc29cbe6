namespace AutoLoRa.Data;

/// <summary>
/// A small SplitMix64 generator. Ours rather than <see cref="Random"/> so that shuffles,
/// splits and augmentations are fixed by the algorithm written here (not by a runtime
/// version), and so that a generator for any (seed, epoch, batch) can be made on the spot
/// without allocation — which is what lets the background loader reproduce the synchronous one.
/// </summary>
public struct SeededRandom
{
    private ulong _state;

    /// <summary>A generator for one seed.</summary>
    public SeededRandom(ulong seed) => _state = Mix(seed ^ 0x9E3779B97F4A7C15UL);

    /// <summary>An independent stream for a seed and up to three stream coordinates (e.g. purpose, epoch, batch).</summary>
    public static SeededRandom For(ulong seed, long a, long b = 0, long c = 0) =>
        new(Mix(Mix(Mix(seed + 0x632BE59BD9B4E019UL) ^ (ulong)a) + 0xD1B54A32D192ED03UL ^ (ulong)b) ^ Mix((ulong)c + 0x8CB92BA72F3D8DD7UL));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) (multiply-shift; bias below 2^-32 for our sizes).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);
    }

    /// <summary>A uniform double in [0, 1) (53 random bits).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>A fair coin.</summary>
    public bool NextBool() => (NextUInt64() >> 63) != 0;

    /// <summary>Shuffles in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
