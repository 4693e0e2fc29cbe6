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

    private readonly TensorScope? _outer;
    private List<Tensor>? _tensors;
    private bool _disposed;

    private TensorScope()
    {
        _outer = s_current;
        s_current = this;
        _tensors = t_freeLists is { Count: > 0 } free ? free.Pop() : [];
    }

    /// <summary>Opens a scope on the current thread; dispose it (using) to free its tensors.</summary>
    public static TensorScope Begin() => new();

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

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (s_current != this) throw new InvalidOperationException("Tensor scopes must be disposed innermost first.");
        s_current = _outer;
        var tensors = _tensors!;
        _tensors = null;
        foreach (var t in tensors)
        {
            if (t.Scope == this) t.Dispose();
        }
        tensors.Clear();
        (t_freeLists ??= new()).Push(tensors);
    }
}
