namespace AutoLoRa.Data;

/// <summary>How a <see cref="BatchLoader"/> orders, transforms and prefetches batches.</summary>
public sealed record BatchLoaderOptions : EpochLoaderOptions
{
    /// <summary>Per-sample transform (e.g. <see cref="Augmentation"/>); null converts bytes to [0,1] as they are.</summary>
    public ISampleTransform? Transform { get; init; }
}
