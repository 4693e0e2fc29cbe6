using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace AutoLoRa.Data;

/// <summary>
/// One epoch's background worker: fills batches 0..count−1 in order into a fixed set of
/// buffers. A buffer cycles free → filled by the worker → ready → used by the consumer → free,
/// so the worker runs at most (buffers − 1) batches ahead and nothing is allocated per batch.
/// The worker only ever blocks on a cancellable wait, so cancelling and joining cannot hang.
/// </summary>
internal sealed class Prefetcher : IDisposable
{
    private readonly BlockingCollection<Batch> _free = new();
    private readonly BlockingCollection<Batch> _ready = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly Thread _thread;
    private readonly int _count;
    private readonly Action<int, Batch> _fill;
    private Batch? _held;
    private Exception? _error;

    public Prefetcher(Batch[] buffers, int count, Action<int, Batch> fill)
    {
        foreach (var b in buffers) _free.Add(b);
        _count = count;
        _fill = fill;
        _thread = new Thread(Work) { IsBackground = true, Name = "AutoLoRa batch loader" };
        _thread.Start();
    }

    /// <summary>The next batch in order, or null at the end; rethrows a worker exception as it was thrown.</summary>
    public Batch? Next(CancellationToken cancellationToken)
    {
        // The consumer is done with the previous batch once it asks for the next.
        if (_held is not null)
        {
            _free.Add(_held);
            _held = null;
        }
        if (_ready.TryTake(out var batch, Timeout.Infinite, cancellationToken))
        {
            _held = batch;
            return batch;
        }
        // Completed and empty: normal end, cancellation, or a failure after the good batches.
        if (Volatile.Read(ref _error) is { } error) ExceptionDispatchInfo.Throw(error);
        return null;
    }

    /// <summary>Asks the worker to stop; safe from any thread.</summary>
    public void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished and disposed: nothing to stop.
        }
    }

    public void Dispose()
    {
        Cancel();
        _thread.Join();
        _cancel.Dispose();
        _free.Dispose();
        _ready.Dispose();
    }

    private void Work()
    {
        try
        {
            for (int b = 0; b < _count; b++)
            {
                var batch = _free.Take(_cancel.Token);
                _fill(b, batch);
                _ready.Add(batch);
            }
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            // Stopped by the consumer (break, dispose, cancellation): not an error.
        }
        catch (Exception e)
        {
            Volatile.Write(ref _error, e);
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }
}
