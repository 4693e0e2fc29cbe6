namespace AutoLoRa.Core;

/// <summary>
/// An n-dimensional array on a backend: a shape, a (shared, reference-counted) device buffer and
/// the autograd link to the operation that produced it. float32 for data, int32 for labels.
/// Tensors made inside a <see cref="TensorScope"/> are disposed when the scope ends unless kept;
/// a recycling scope (<see cref="TensorScope.BeginRecycling"/>) also hands the objects back to this
/// thread's free list, from which later tensors are made.
/// </summary>
public sealed class Tensor : IDisposable
{
    [ThreadStatic] private static Tensor? t_free;

    private DeviceBuffer? _buffer;
    private bool _requiresGrad;
    private Tensor? _nextFree;

    private Tensor(Backend backend, DeviceBuffer buffer, Shape shape)
    {
        Backend = backend;
        _buffer = buffer;
        Shape = shape;
    }

    /// <summary>The backend that holds the elements.</summary>
    public Backend Backend { get; private set; }

    /// <summary>The sizes of the axes.</summary>
    public Shape Shape { get; private set; }

    /// <summary>The element type.</summary>
    public DType DType => Buffer.DType;

    /// <summary>The product of the sizes.</summary>
    public int ElementCount => Shape.ElementCount;

    /// <summary>The storage; throws if the tensor was disposed (a use-after-dispose is a bug worth naming).</summary>
    public DeviceBuffer Buffer => _buffer ?? throw new ObjectDisposedException(nameof(Tensor), $"Tensor {Describe()} was disposed.");

    /// <summary>Disposed: its buffer reference was released.</summary>
    public bool IsDisposed => _buffer is null;

    /// <summary>Optional name used in error messages and profiles (parameters carry their state-dict name).</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); results of
    /// operations require a gradient exactly when one of their inputs does.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (Node is not null) throw new InvalidOperationException($"RequiresGrad can only be set on leaf tensors; {Describe()} was produced by {Node.Op}.");
            if (value && DType != DType.Float32) throw new InvalidOperationException($"Only float32 tensors can require gradients ({Describe()} is {DType}).");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; owned by this tensor.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>The operation that produced this tensor, or null for a leaf.</summary>
    internal GradNode? Node { get; private set; }

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? Scope { get; set; }

    /// <summary>Not the output of a recorded op: a parameter, an input or a detached tensor.</summary>
    public bool IsLeaf => Node is null;

    // ---- creation ------------------------------------------------------------------------------

    /// <summary>A tensor with unspecified contents.</summary>
    public static Tensor Empty(Backend backend, Shape shape, DType dtype = DType.Float32) =>
        Create(backend, backend.Allocate(shape.ElementCount, dtype), shape);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Backend backend, Shape shape) => Full(backend, shape, 0f);

    /// <summary>A tensor with every element <paramref name="value"/>.</summary>
    public static Tensor Full(Backend backend, Shape shape, float value)
    {
        var t = Empty(backend, shape);
        backend.Fill(t.Buffer, value);
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>, which must have the shape's element count.</summary>
    public static Tensor FromArray(Backend backend, ReadOnlySpan<float> data, Shape shape)
    {
        if (data.Length != shape.ElementCount) throw new ArgumentException($"{data.Length} values do not fill shape {shape}.");
        var t = Empty(backend, shape);
        backend.Upload(data, t.Buffer);
        return t;
    }

    /// <summary>An int32 label vector.</summary>
    public static Tensor FromLabels(Backend backend, ReadOnlySpan<int> labels)
    {
        var t = Empty(backend, new Shape(labels.Length), DType.Int32);
        backend.Upload(labels, t.Buffer);
        return t;
    }

    /// <summary>A tensor over <paramref name="buffer"/> (whose reference it takes over), from the free list when it has one.</summary>
    private static Tensor Create(Backend backend, DeviceBuffer buffer, Shape shape)
    {
        if (buffer.Length < shape.ElementCount)
        {
            throw new ArgumentException($"Buffer of {buffer.Length} elements is too small for shape {shape}.");
        }
        Tensor tensor;
        if (t_free is { } free)
        {
            t_free = free._nextFree;
            free._nextFree = null;
            free.Backend = backend;
            free._buffer = buffer;
            free.Shape = shape;
            tensor = free;
        }
        else
        {
            tensor = new Tensor(backend, buffer, shape);
        }
        TensorScope.Register(tensor);
        return tensor;
    }

    /// <summary>
    /// Puts this disposed tensor on the free list. Only a recycling scope calls it, for a tensor it
    /// owned and has just disposed: the scope's contract is that nothing references it any more.
    /// </summary>
    internal void Recycle()
    {
        if (!IsDisposed) throw new InvalidOperationException($"Tensor {Describe()} must be disposed before it is recycled.");
        // Drop every reference, so a free tensor keeps no backend or scope alive.
        Backend = null!;
        Name = null;
        _requiresGrad = false;
        Scope = null;
        Shape = default;
        _nextFree = t_free;
        t_free = this;
    }

    /// <summary>Makes this tensor the output of an autograd node (called by operations).</summary>
    internal void AttachNode(GradNode node)
    {
        Node = node;
        _requiresGrad = true;
    }

    // ---- reading -------------------------------------------------------------------------------

    /// <summary>Copies the elements to a new host array (synchronises with the device).</summary>
    public float[] ToArray()
    {
        var data = new float[ElementCount];
        Backend.Download(Buffer, data);
        return data;
    }

    /// <summary>Copies the int32 elements to a new host array (synchronises with the device).</summary>
    public int[] ToIntArray()
    {
        var data = new int[ElementCount];
        Backend.Download(Buffer, data);
        return data;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (ElementCount != 1) throw new InvalidOperationException($"Item() needs a one-element tensor; {Describe()} has {ElementCount}.");
        Span<float> one = stackalloc float[1];
        Backend.Download(Buffer, one);
        return one[0];
    }

    // ---- views and autograd --------------------------------------------------------------------

    /// <summary>A new tensor sharing this storage with no autograd history.</summary>
    public Tensor Detach()
    {
        Buffer.Retain();
        return Create(Backend, Buffer, Shape);
    }

    /// <summary>A tensor of another shape over the same storage (no copy); used by reshape.</summary>
    internal Tensor ViewAs(Shape shape)
    {
        if (shape.ElementCount != ElementCount) throw new ArgumentException($"Cannot view {Describe()} as {shape}: element counts differ.");
        Buffer.Retain();
        return Create(Backend, Buffer, shape);
    }

    /// <summary>
    /// Back-propagates from this scalar into the Grad of every leaf that requires it, telling
    /// <paramref name="listener"/> (if any) of each leaf whose gradient is complete.
    /// </summary>
    public void Backward(Autograd.IGradientReadyListener? listener = null) => Autograd.Backward.Run(this, listener);

    /// <summary>
    /// Drops the accumulated gradient, which this tensor owns: the gradient tensor is disposed and
    /// its object recycled (<see cref="WrapperRecycling"/>), so an optimizer step allocates no new
    /// gradient tensors once warm. A reference to the old <see cref="Grad"/> is dead afterwards.
    /// </summary>
    public void ZeroGrad()
    {
        var grad = Grad;
        Grad = null;
        if (grad is null) return;
        grad.Dispose();
        if (WrapperRecycling.Enabled && grad.Scope is null) grad.Recycle();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is null) return;
        buffer.Release();
        Grad?.Dispose();
        Grad = null;
        var node = Node;
        Node = null;
        node?.Release();
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();

    internal string Describe() => $"{Name ?? "tensor"}{Shape}";
}
