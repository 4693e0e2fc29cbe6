namespace AutoLoRa.Data;

/// <summary>The settings every loader's options share: how an <see cref="EpochLoader"/> orders and prepares its batches.</summary>
public abstract record EpochLoaderOptions
{
    /// <summary>Visit samples in a fresh seeded order each epoch (training); false keeps dataset order (evaluation).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Skip the last batch of an epoch when it would be short.</summary>
    public bool DropLast { get; init; }

    /// <summary>Fixes shuffles and transforms: the same seed gives the same batches.</summary>
    public ulong Seed { get; init; }

    /// <summary>Prepare batches on a background thread while the caller computes; false prepares them on the caller's thread.</summary>
    public bool Background { get; init; } = true;

    /// <summary>Batches prepared ahead of the one being used (background mode); 1–8.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>The replica's share of each epoch (data-parallel training); the default is the whole epoch.</summary>
    public EpochShard Shard { get; init; }

    /// <summary>The ordering part, as the shared <see cref="EpochLoader"/> takes it; setting it sets the six settings above.</summary>
    public EpochOrdering Ordering
    {
        get => new(Shuffle, DropLast, Seed, Background, Prefetch, Shard);
        init => (Shuffle, DropLast, Seed, Background, Prefetch, Shard) = (value.Shuffle, value.DropLast, value.Seed, value.Background, value.Prefetch, value.Shard);
    }
}
