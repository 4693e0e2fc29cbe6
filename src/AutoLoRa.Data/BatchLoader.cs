namespace AutoLoRa.Data;

/// <summary>
/// Epochs of mini-batches over an <see cref="ImageDataset"/>. Each epoch visits every sample
/// once (less a short last batch with <see cref="EpochLoaderOptions.DropLast"/>) in an order
/// seeded by (seed, epoch); each batch's transforms are seeded by (seed, epoch, batch index).
/// Because nothing depends on which thread fills a batch or when, background prefetching gives
/// exactly the batches of synchronous preparation. Batch buffers are pooled and reused.
/// </summary>
/// <remarks>One epoch may be enumerated at a time per loader (the buffers are shared).</remarks>
public sealed class BatchLoader : EpochLoader
{
    // Stream id for SeededRandom.For, apart from the base class's shuffle stream.
    private const long BatchStream = 2;

    /// <summary>Creates a loader; no thread is started until an epoch is enumerated.</summary>
    public BatchLoader(ImageDataset dataset, int batchSize, BatchLoaderOptions? options = null)
        : base((dataset ?? throw new ArgumentNullException(nameof(dataset))).Count, batchSize, (options ?? new()).Ordering)
    {
        Dataset = dataset;
        Options = options ?? new BatchLoaderOptions();
    }

    /// <summary>The samples being served.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>Ordering, transform and prefetch settings.</summary>
    public BatchLoaderOptions Options { get; }

    /// <inheritdoc/>
    protected override Batch NewBatch() => new(BatchSize, Dataset.Channels, Dataset.Height, Dataset.Width);

    /// <summary>Converts (and transforms) the samples; one generator per batch, seeded by (seed, epoch, batch).</summary>
    protected override void FillSamples(int epoch, int batchIndex, int firstPosition, ReadOnlyMemory<int> samples, Batch target)
    {
        int size = Dataset.SampleSize;
        var rng = SeededRandom.For(Options.Seed, BatchStream, epoch, batchIndex);
        var transform = Options.Transform;
        var indices = samples.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            int sample = indices[i];
            var destination = target.Images.AsSpan(i * size, size);
            if (transform is null) ImageDataset.ToUnit(Dataset.Sample(sample), destination);
            else transform.Apply(Dataset.Sample(sample), Dataset.Channels, Dataset.Height, Dataset.Width, destination, ref rng);
            target.Labels[i] = Dataset.Labels[sample];
        }
    }
}
