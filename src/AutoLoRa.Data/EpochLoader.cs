namespace AutoLoRa.Data;

/// <summary>
/// How an <see cref="EpochLoader"/> orders and prepares its batches (the part of every loader's
/// options it shares). <paramref name="Shard"/> makes the loader serve one replica's share of each
/// epoch's order (data-parallel training); the default serves the whole epoch.
/// </summary>
public readonly record struct EpochOrdering(bool Shuffle, bool DropLast, ulong Seed, bool Background, int Prefetch, EpochShard Shard = default);

/// <summary>
/// The epoch mechanics every loader shares: a visiting order seeded by (seed, epoch), batches
/// filled synchronously or by a background <see cref="Prefetcher"/> a few batches ahead, pooled
/// batch buffers, one enumeration at a time, and a clean stop on break, cancellation or dispose.
/// A subclass only says how to make a batch buffer and how to fill one batch; as long as its fill
/// depends on nothing but (seed, epoch, batch) and the order, background and synchronous loading
/// give identical batches.
/// </summary>
public abstract class EpochLoader : IDisposable
{
    // Stream id for SeededRandom.For; subclasses use other ids for their own draws.
    private const long OrderStream = 1;

    private readonly Stack<Batch> _pool = new();
    private readonly int _sampleCount;
    private readonly int[] _order;
    private readonly EpochOrdering _ordering;
    private int _active;
    private volatile bool _disposed;
    private volatile Prefetcher? _prefetcher;

    /// <summary>A loader of <paramref name="sampleCount"/> samples in batches of <paramref name="batchSize"/>, in the order <paramref name="ordering"/> gives each epoch.</summary>
    protected EpochLoader(int sampleCount, int batchSize, EpochOrdering ordering)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (ordering.Prefetch is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(ordering), $"Prefetch {ordering.Prefetch} is outside 1..8.");
        BatchSize = batchSize;
        _sampleCount = sampleCount;
        int served = ordering.Shard.ServedCount(sampleCount);
        BatchesPerEpoch = ordering.DropLast ? served / batchSize : (served + batchSize - 1) / batchSize;
        _order = new int[served];
        _ordering = ordering;
    }

    /// <summary>Samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Batches in every epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits sample indices (this loader's shard of it).</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[_order.Length];
        FillOrder(epoch, order);
        return order;
    }

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

    /// <summary>Stops any background work; a running enumeration then throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _prefetcher?.Cancel();
        GC.SuppressFinalize(this);
    }

    /// <summary>A buffer for one full batch.</summary>
    protected abstract Batch NewBatch();

    /// <summary>
    /// Writes the samples <paramref name="samples"/> (indices, in visiting order; the first is at
    /// position <paramref name="firstPosition"/> of the epoch) into <paramref name="target"/>'s
    /// images and labels. Must depend only on (seed, epoch, batch index) and the samples.
    /// </summary>
    protected abstract void FillSamples(int epoch, int batchIndex, int firstPosition, ReadOnlyMemory<int> samples, Batch target);

    private IEnumerable<Batch> Enumerate(int epoch, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _active, 1) != 0)
            throw new InvalidOperationException($"An epoch of this {GetType().Name} is already being enumerated; its batch buffers are shared.");
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FillOrder(epoch, _order);
            if (!_ordering.Background)
            {
                var batch = Rent();
                try
                {
                    for (int b = 0; b < BatchesPerEpoch; b++)
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

            var buffers = new Batch[_ordering.Prefetch + 1];
            for (int i = 0; i < buffers.Length; i++) buffers[i] = Rent();
            var prefetcher = new Prefetcher(buffers, BatchesPerEpoch, (b, target) => Fill(epoch, b, target));
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

    private Batch Rent() => _pool.Count > 0 ? _pool.Pop() : NewBatch();

    private void FillOrder(int epoch, int[] order)
    {
        // Every replica draws the same whole-epoch order (same seed) and keeps its own shard of it.
        var whole = _ordering.Shard.IsWhole ? order : new int[_sampleCount];
        for (int i = 0; i < whole.Length; i++) whole[i] = i;
        if (_ordering.Shuffle)
        {
            var rng = SeededRandom.For(_ordering.Seed, OrderStream, epoch);
            rng.Shuffle(whole);
        }
        if (!_ordering.Shard.IsWhole) _ordering.Shard.Take(whole, order);
    }

    private void Fill(int epoch, int index, Batch target)
    {
        int start = index * BatchSize;
        int n = Math.Min(BatchSize, _order.Length - start);
        FillSamples(epoch, index, start, _order.AsMemory(start, n), target);
        target.Count = n;
        target.Epoch = epoch;
        target.Index = index;
    }
}
