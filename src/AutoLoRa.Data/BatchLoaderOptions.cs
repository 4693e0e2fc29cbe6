namespace AutoLoRa.Data;

/// <summary>How a <see cref="BatchLoader"/> orders, transforms and prefetches batches.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Visit samples in a fresh seeded order each epoch (training); false keeps dataset order (evaluation).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Skip the last batch of an epoch when it would be short.</summary>
    public bool DropLast { get; init; }

    /// <summary>Fixes shuffles and transforms: the same seed gives the same batches.</summary>
    public ulong Seed { get; init; }

    /// <summary>Per-sample transform (e.g. <see cref="Augmentation"/>); null converts bytes to [0,1] as they are.</summary>
    public ISampleTransform? Transform { get; init; }

    /// <summary>Prepare batches on a background thread while the caller computes; false prepares them on the caller's thread.</summary>
    public bool Background { get; init; } = true;

    /// <summary>Batches prepared ahead of the one being used (background mode); 1–8.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>The ordering part, as the shared <see cref="EpochLoader"/> takes it.</summary>
    public EpochOrdering Ordering => new(Shuffle, DropLast, Seed, Background, Prefetch);
}
