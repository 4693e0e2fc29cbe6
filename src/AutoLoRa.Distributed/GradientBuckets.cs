namespace AutoLoRa.Distributed;

/// <summary>
/// Which parameters' gradients travel together. Parameters are taken in reverse order — backward
/// completes the last layers' gradients first — and packed into buckets of at most
/// <c>capElements</c> floats (a larger parameter gets a bucket of its own), each bucket a contiguous
/// range of one flat array. Every rank builds the same layout from the same model, so the buckets'
/// all-reduces pair up across ranks.
/// </summary>
public sealed class GradientBuckets
{
    /// <summary>The layout for parameters of <paramref name="parameterSizes"/> floats (in the order backward completes them), buckets of at most <paramref name="capElements"/> floats.</summary>
    public GradientBuckets(IReadOnlyList<int> parameterSizes, int capElements)
    {
        ArgumentNullException.ThrowIfNull(parameterSizes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capElements);
        int n = parameterSizes.Count;
        Offset = new int[n];
        BucketOf = new int[n];
        var buckets = new List<(int Start, int Length, int Members)>();
        int offset = 0;
        for (int i = n - 1; i >= 0; i--)
        {
            int size = parameterSizes[i];
            if (size <= 0) throw new ArgumentException($"Parameter {i} has {size} elements.", nameof(parameterSizes));
            if (buckets.Count == 0 || (buckets[^1].Length + size > capElements && buckets[^1].Members > 0))
                buckets.Add((offset, 0, 0));
            var last = buckets[^1];
            buckets[^1] = (last.Start, last.Length + size, last.Members + 1);
            Offset[i] = offset;
            BucketOf[i] = buckets.Count - 1;
            offset = checked(offset + size);
        }
        Buckets = [.. buckets];
        TotalElements = offset;
    }

    /// <summary>Each parameter's first element in the flat array.</summary>
    public int[] Offset { get; }

    /// <summary>Each parameter's bucket.</summary>
    public int[] BucketOf { get; }

    /// <summary>Each bucket's range of the flat array and how many parameters it holds, in the order they are reduced.</summary>
    public (int Start, int Length, int Members)[] Buckets { get; }

    /// <summary>Elements of all gradients together.</summary>
    public int TotalElements { get; }
}
