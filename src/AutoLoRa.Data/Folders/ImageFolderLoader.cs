namespace AutoLoRa.Data.Folders;

/// <summary>How an <see cref="ImageFolderLoader"/> orders, transforms and prepares batches.</summary>
public sealed record ImageFolderLoaderOptions : EpochLoaderOptions
{
    /// <summary>The per-image transform (<see cref="ImageFolderTransform.Train"/> or <see cref="ImageFolderTransform.Test"/>).</summary>
    public ImageFolderTransform Transform { get; init; } = ImageFolderTransform.Test;

    /// <summary>Images of a batch decoded at once (0: all cores).</summary>
    public int DecodeThreads { get; init; }
}

/// <summary>
/// Epochs of 3×224×224 batches from an <see cref="ImageFolder"/>: each batch's images are
/// decoded and transformed in parallel (on a background thread, <see cref="EpochLoaderOptions.Prefetch"/>
/// batches ahead of the model), into reused buffers. Each image's random draws come from its own
/// generator seeded by (seed, epoch, position in the epoch), so the batches do not depend on
/// threads, timing or batch size.
/// </summary>
public sealed class ImageFolderLoader : EpochLoader
{
    // Stream id for SeededRandom.For, apart from the base class's shuffle stream.
    private const long SampleStream = 3;

    /// <summary>Creates a loader; nothing runs until an epoch is enumerated.</summary>
    public ImageFolderLoader(ImageFolder folder, int batchSize, ImageFolderLoaderOptions? options = null)
        : base((folder ?? throw new ArgumentNullException(nameof(folder))).Count, batchSize, (options ?? new()).Ordering)
    {
        Folder = folder;
        Options = options ?? new ImageFolderLoaderOptions();
    }

    /// <summary>The images served.</summary>
    public ImageFolder Folder { get; }

    /// <summary>Settings.</summary>
    public ImageFolderLoaderOptions Options { get; }

    /// <summary>Side of the square images in a batch.</summary>
    public int ImageSize => Options.Transform.CropTo;

    /// <inheritdoc/>
    protected override Batch NewBatch() => new(BatchSize, 3, ImageSize, ImageSize);

    /// <summary>Decodes and transforms the batch's images in parallel; each image's draws come from (seed, epoch, position).</summary>
    protected override void FillSamples(int epoch, int batchIndex, int firstPosition, ReadOnlyMemory<int> samples, Batch target)
    {
        int size = 3 * ImageSize * ImageSize;
        var transform = Options.Transform;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.DecodeThreads > 0 ? Options.DecodeThreads : Environment.ProcessorCount };
        try
        {
            Parallel.For(0, samples.Length, parallel, i =>
            {
                int sample = samples.Span[i];
                var rng = SeededRandom.For(Options.Seed, SampleStream, epoch, firstPosition + i);
                transform.Apply(Folder.Decode(sample), target.Images.AsSpan(i * size, size), ref rng);
                target.Labels[i] = Folder.Labels[sample];
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Report the first failing image as itself (a DataFormatException naming its file).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
