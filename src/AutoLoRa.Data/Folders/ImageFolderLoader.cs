namespace AutoLoRa.Data.Folders;

/// <summary>How an <see cref="ImageFolderLoader"/> orders, transforms and prepares batches.</summary>
public sealed record ImageFolderLoaderOptions
{
    /// <summary>A fresh seeded order each epoch (training); false keeps folder order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Skip a short last batch.</summary>
    public bool DropLast { get; init; }

    /// <summary>Fixes orders and transforms.</summary>
    public ulong Seed { get; init; }

    /// <summary>The per-image transform (<see cref="ImageFolderTransform.Train"/> or <see cref="ImageFolderTransform.Test"/>).</summary>
    public ImageFolderTransform Transform { get; init; } = ImageFolderTransform.Test;

    /// <summary>Prepare batches on a background thread ahead of the consumer.</summary>
    public bool Background { get; init; } = true;

    /// <summary>Batches prepared ahead (background mode); 1–8.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>Images of a batch decoded at once (0: all cores).</summary>
    public int DecodeThreads { get; init; }
}

/// <summary>
/// Epochs of 3×224×224 batches from an <see cref="ImageFolder"/>: each batch's images are
/// decoded and transformed in parallel (on a background thread, <see cref="ImageFolderLoaderOptions.Prefetch"/>
/// batches ahead of the model), into reused buffers. Each image's random draws come from its own
/// generator seeded by (seed, epoch, position in the epoch), so the batches do not depend on
/// threads, timing or batch size.
/// </summary>
public sealed class ImageFolderLoader : IDisposable
{
    private const long OrderStream = 1, SampleStream = 3;

    private readonly int[] _order;
    private volatile bool _disposed;
    private volatile Prefetcher? _prefetcher;

    /// <summary>Creates a loader; nothing runs until an epoch is enumerated.</summary>
    public ImageFolderLoader(ImageFolder folder, int batchSize, ImageFolderLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        options ??= new ImageFolderLoaderOptions();
        if (options.Prefetch is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(options), $"Prefetch {options.Prefetch} is outside 1..8.");
        Folder = folder;
        BatchSize = batchSize;
        Options = options;
        _order = new int[folder.Count];
    }

    /// <summary>The images served.</summary>
    public ImageFolder Folder { get; }

    /// <summary>Samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Settings.</summary>
    public ImageFolderLoaderOptions Options { get; }

    /// <summary>Side of the square images in a batch.</summary>
    public int ImageSize => Options.Transform.CropTo;

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => Options.DropLast ? Folder.Count / BatchSize : (Folder.Count + BatchSize - 1) / BatchSize;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits samples.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[Folder.Count];
        FillOrder(epoch, order);
        return order;
    }

    /// <summary>
    /// The batches of one epoch; each is valid until the next is requested. A decoding error
    /// (<see cref="DataFormatException"/> with the file's path) is rethrown here.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Enumerate(epoch, cancellationToken);
    }

    /// <summary>Stops background work.</summary>
    public void Dispose()
    {
        _disposed = true;
        _prefetcher?.Cancel();
    }

    private IEnumerable<Batch> Enumerate(int epoch, CancellationToken cancellationToken)
    {
        FillOrder(epoch, _order);
        int count = BatchesPerEpoch;
        if (!Options.Background)
        {
            var batch = NewBatch();
            for (int b = 0; b < count; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(_disposed, this);
                Fill(epoch, b, batch);
                yield return batch;
            }
            yield break;
        }
        var buffers = new Batch[Options.Prefetch + 1];
        for (int i = 0; i < buffers.Length; i++) buffers[i] = NewBatch();
        var prefetcher = new Prefetcher(buffers, count, (b, target) => Fill(epoch, b, target));
        _prefetcher = prefetcher;
        try
        {
            if (_disposed) prefetcher.Cancel();
            while (prefetcher.Next(cancellationToken) is { } batch) yield return batch;
            ObjectDisposedException.ThrowIf(_disposed, this);
        }
        finally
        {
            _prefetcher = null;
            prefetcher.Dispose();
        }
    }

    private Batch NewBatch() => new(BatchSize, 3, ImageSize, ImageSize);

    private void FillOrder(int epoch, int[] order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!Options.Shuffle) return;
        var rng = SeededRandom.For(Options.Seed, OrderStream, epoch);
        rng.Shuffle(order);
    }

    private void Fill(int epoch, int index, Batch target)
    {
        int start = index * BatchSize;
        int n = Math.Min(BatchSize, Folder.Count - start);
        int size = 3 * ImageSize * ImageSize;
        var transform = Options.Transform;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.DecodeThreads > 0 ? Options.DecodeThreads : Environment.ProcessorCount };
        try
        {
            Parallel.For(0, n, parallel, i =>
            {
                int sample = _order[start + i];
                var rng = SeededRandom.For(Options.Seed, SampleStream, epoch, start + i);
                transform.Apply(Folder.Decode(sample), target.Images.AsSpan(i * size, size), ref rng);
                target.Labels[i] = Folder.Labels[sample];
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Report the first failing image as itself (a DataFormatException naming its file).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        target.Count = n;
        target.Epoch = epoch;
        target.Index = index;
    }
}
