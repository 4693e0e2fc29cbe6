namespace AutoLoRa.Data;

/// <summary>
/// One replica's share of an epoch's order, as PyTorch's DistributedSampler cuts it: the order is
/// padded to a multiple of <see cref="Count"/> by repeating its first samples, and replica
/// <see cref="Index"/> takes positions Index, Index + Count, Index + 2·Count, … — so every replica
/// runs the same number of batches of the same sizes (a collective per step needs that), and the
/// shards together cover the epoch, a few samples twice when the count does not divide it.
/// The default (Count 0) and Count 1 are the whole epoch.
/// </summary>
public readonly record struct EpochShard(int Index, int Count)
{
    /// <summary>Whether this replica serves the whole epoch (one replica, or none said).</summary>
    public bool IsWhole => Count <= 1;

    /// <summary>Samples this replica serves of an epoch of <paramref name="sampleCount"/>: ⌈sampleCount / Count⌉.</summary>
    public int ServedCount(int sampleCount)
    {
        if (IsWhole) return sampleCount;
        if (Index < 0 || Index >= Count) throw new ArgumentOutOfRangeException(nameof(Index), $"Shard {Index} of {Count} does not exist.");
        return (sampleCount + Count - 1) / Count;
    }

    /// <summary>Writes this replica's share of <paramref name="whole"/> into <paramref name="shard"/> (<see cref="ServedCount"/> long).</summary>
    public void Take(ReadOnlySpan<int> whole, Span<int> shard)
    {
        if (whole.IsEmpty)
        {
            if (!shard.IsEmpty) throw new ArgumentException("An empty epoch has no shard to take.", nameof(whole));
            return;
        }
        for (int i = 0; i < shard.Length; i++) shard[i] = whole[(Index + i * Count) % whole.Length];
    }
}
