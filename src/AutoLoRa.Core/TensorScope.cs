namespace AutoLoRa.Core;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope and disposes them
/// when it ends, so a training step frees its intermediates without bookkeeping. What must outlive
/// the step (parameters, optimizer state, results) is created outside the scope or taken out of it
/// with <see cref="Keep"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? s_current;

    // Lists of ended scopes, kept for the next scopes of this thread so that a training step's
    // scopes reuse their grown storage. A list is owned by one live scope at a time: taken in the
    // constructor, cleared and handed back in Dispose; it never leaves this class.
    [ThreadStatic] private static Stack<List<Tensor>>? t_freeLists;

    // Ended recycling scopes, reused by the next recycling scopes of this thread: under the same
    // promise as the tensors they recycle, nothing references a recycling scope after it ends.
    [ThreadStatic] private static Stack<TensorScope>? t_freeScopes;

    private TensorScope? _outer;
    private bool _recycles;
    private List<Tensor>? _tensors;
    private bool _disposed;

    private TensorScope(bool recycles) => Open(recycles);

    private void Open(bool recycles)
    {
        _recycles = recycles;
        _disposed = false;
        _outer = s_current;
        s_current = this;
        _tensors = t_freeLists is { Count: > 0 } free ? free.Pop() : [];
    }

    /// <summary>Opens a scope on the current thread; dispose it (using) to free its tensors.</summary>
    public static TensorScope Begin() => new(recycles: false);

    /// <summary>
    /// Opens a scope that, when it ends, also recycles the tensor objects it disposes (see
    /// <see cref="WrapperRecycling"/>), so a loop of such scopes allocates no tensors once warm.
    /// The opener promises that nothing made in the scope is referenced after it ends — not by the
    /// caller, and not by the graph of a tensor taken out of it — other than the tensors taken out
    /// with <see cref="Keep"/> or <see cref="MoveToOuter"/>. Training steps, attack steps and
    /// evaluation batches use it; Debug builds do not recycle, so a broken promise throws there.
    /// The scope object itself is recycled too: do not touch it after disposing it (not even a
    /// second Dispose).
    /// </summary>
    public static TensorScope BeginRecycling()
    {
        if (!WrapperRecycling.Enabled) return new(recycles: false);
        if (t_freeScopes is not { Count: > 0 } free) return new(recycles: true);
        var scope = free.Pop();
        scope.Open(recycles: true);
        return scope;
    }

    /// <summary>Tensors registered and still owned by this scope.</summary>
    public int Count => _tensors?.Count(t => t.Scope == this && !t.IsDisposed) ?? 0;

    /// <summary>Removes a tensor from the scope that owns it, so it survives (the caller now owns it).</summary>
    public static T Keep<T>(T tensor) where T : class
    {
        if (tensor is Tensor t) t.Scope = null;
        return tensor;
    }

    /// <summary>Moves a tensor to the scope that encloses this one (or to nobody at the top level).</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        tensor.Scope = _outer;
        _outer?._tensors?.Add(tensor);
        return tensor;
    }

    internal static void Register(Tensor tensor)
    {
        var scope = s_current;
        if (scope is null) return;
        tensor.Scope = scope;
        scope._tensors!.Add(tensor);
    }

    /// <summary>
    /// Disposes (and, in a recycling scope, recycles) every tensor the scope owns now, and keeps the
    /// scope open: one scope can serve every iteration of a loop instead of one scope object per
    /// iteration. Like <see cref="Dispose"/>, only for the innermost scope.
    /// </summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (s_current != this) throw new InvalidOperationException("Only the innermost tensor scope can be reset.");
        EndOwnedTensors(_tensors!);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (s_current != this) throw new InvalidOperationException("Tensor scopes must be disposed innermost first.");
        s_current = _outer;
        var tensors = _tensors!;
        _tensors = null;
        EndOwnedTensors(tensors);
        (t_freeLists ??= new()).Push(tensors);
        if (_recycles)
        {
            _outer = null;
            (t_freeScopes ??= new()).Push(this);
        }
    }

    /// <summary>Disposes (and recycles) the listed tensors this scope still owns, and empties the list.</summary>
    private void EndOwnedTensors(List<Tensor> tensors)
    {
        foreach (var t in tensors)
        {
            if (t.Scope != this) continue;
            t.Dispose();
            // Recycle clears Scope, so a tensor listed twice is recycled once.
            if (_recycles) t.Recycle();
        }
        tensors.Clear();
    }
}
