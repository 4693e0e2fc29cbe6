namespace AutoLoRa.Data;

/// <summary>
/// Epochs of mini-batches over an <see cref="ImageDataset"/>. Each epoch visits every sample
/// once (less a short last batch with <see cref="BatchLoaderOptions.DropLast"/>) in an order
/// seeded by (seed, epoch); each batch's transforms are seeded by (seed, epoch, batch index).
/// Because nothing depends on which thread fills a batch or when, background prefetching gives
/// exactly the batches of synchronous preparation. Batch buffers are pooled and reused.
/// </summary>
/// <remarks>One epoch may be enumerated at a time per loader (the buffers are shared).</remarks>
public sealed class BatchLoader : IDisposable
{
    // Stream ids for SeededRandom.For, so the shuffle and the transforms never share draws.
    private const long OrderStream = 1, BatchStream = 2;

    private readonly Stack<Batch> _pool = new();
    private readonly int[] _order;
    private int _active;
    private volatile bool _disposed;
    private volatile Prefetcher? _prefetcher;

    /// <summary>Creates a loader; no thread is started until an epoch is enumerated.</summary>
    public BatchLoader(ImageDataset dataset, int batchSize, BatchLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        options ??= new BatchLoaderOptions();
        if (options.Prefetch is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(options), $"Prefetch {options.Prefetch} is outside 1..8.");
        Dataset = dataset;
        BatchSize = batchSize;
        Options = options;
        _order = new int[dataset.Count];
    }

    /// <summary>The samples being served.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>Samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Ordering, transform and prefetch settings.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Batches in every epoch.</summary>
    public int BatchesPerEpoch => Options.DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>
    /// The batches of one epoch. Each yielded <see cref="Batch"/> is valid until the next one is
    /// requested or the enumeration ends. Breaking out (or disposing the enumerator) stops the
    /// background thread and waits for it; a worker exception is rethrown here unchanged.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The loader was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another epoch of this loader is being enumerated.</exception>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Enumerate(epoch, cancellationToken);
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits sample indices.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[Dataset.Count];
        FillOrder(epoch, order);
        return order;
    }

    /// <summary>Stops any background work; a running enumeration then throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _prefetcher?.Cancel();
    }

    private IEnumerable<Batch> Enumerate(int epoch, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _active, 1) != 0)
            throw new InvalidOperationException("An epoch of this BatchLoader is already being enumerated; its batch buffers are shared.");
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FillOrder(epoch, _order);
            int count = BatchesPerEpoch;
            if (!Options.Background)
            {
                var batch = Rent();
                try
                {
                    for (int b = 0; b < count; b++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        ObjectDisposedException.ThrowIf(_disposed, this);
                        Fill(epoch, b, batch);
                        yield return batch;
                    }
                }
                finally
                {
                    _pool.Push(batch);
                }
                yield break;
            }

            var buffers = new Batch[Options.Prefetch + 1];
            for (int i = 0; i < buffers.Length; i++) buffers[i] = Rent();
            var prefetcher = new Prefetcher(buffers, count, (b, target) => Fill(epoch, b, target));
            _prefetcher = prefetcher;
            try
            {
                // Cancellation by Dispose may race with this check; Prefetcher.Next reports it too.
                if (_disposed) prefetcher.Cancel();
                while (prefetcher.Next(cancellationToken) is { } batch)
                {
                    yield return batch;
                }
                ObjectDisposedException.ThrowIf(_disposed, this);
            }
            finally
            {
                _prefetcher = null;
                // Joins the worker; only then are the buffers free again, also after a break or an exception.
                prefetcher.Dispose();
                foreach (var buffer in buffers) _pool.Push(buffer);
            }
        }
        finally
        {
            Volatile.Write(ref _active, 0);
        }
    }

    private Batch Rent() => _pool.Count > 0 ? _pool.Pop() : new Batch(BatchSize, Dataset.Channels, Dataset.Height, Dataset.Width);

    private void FillOrder(int epoch, int[] order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!Options.Shuffle) return;
        var rng = SeededRandom.For(Options.Seed, OrderStream, epoch);
        rng.Shuffle(order);
    }

    /// <summary>Prepares batch <paramref name="index"/> of the current epoch; a pure function of (seed, epoch, index) and the order.</summary>
    private void Fill(int epoch, int index, Batch target)
    {
        int start = index * BatchSize;
        int n = Math.Min(BatchSize, Dataset.Count - start);
        int size = Dataset.SampleSize;
        var rng = SeededRandom.For(Options.Seed, BatchStream, epoch, index);
        var transform = Options.Transform;
        for (int i = 0; i < n; i++)
        {
            int sample = _order[start + i];
            var destination = target.Images.AsSpan(i * size, size);
            if (transform is null) ImageDataset.ToUnit(Dataset.Sample(sample), destination);
            else transform.Apply(Dataset.Sample(sample), Dataset.Channels, Dataset.Height, Dataset.Width, destination, ref rng);
            target.Labels[i] = Dataset.Labels[sample];
        }
        target.Count = n;
        target.Epoch = epoch;
        target.Index = index;
    }
}
