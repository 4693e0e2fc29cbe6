namespace AutoLoRa.Core.Backends;

/// <summary>
/// A block of elements owned by a backend (host memory for the CPU backend, device memory for
/// CUDA). Reference counted, because reshaped tensors share their parent's buffer: the storage goes
/// back to the backend's cache when the last tensor using it is disposed. A buffer reference is
/// valid only while a tensor that holds it is alive: a backend may reuse the object itself for a
/// later allocation (the CPU backend does in Release builds, see <see cref="WrapperRecycling"/>).
/// </summary>
public abstract class DeviceBuffer
{
    private int _references = 1;

    /// <summary>A buffer of <paramref name="length"/> elements of <paramref name="dtype"/>, with one reference.</summary>
    protected DeviceBuffer(int length, DType dtype)
    {
        Length = length;
        DType = dtype;
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; private set; }

    /// <summary>The element type.</summary>
    public DType DType { get; private set; }

    /// <summary>The last reference was released: the storage went back to the backend.</summary>
    public bool IsReleased => Volatile.Read(ref _references) <= 0;

    /// <summary>Adds a user of this buffer; every Retain must be matched by one <see cref="Release"/>.</summary>
    public void Retain()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new ObjectDisposedException(GetType().Name, "Retain on a buffer that was already released.");
        }
    }

    /// <summary>Drops one user; the last one returns the storage to the backend.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0) Free();
        else if (left < 0) throw new ObjectDisposedException(GetType().Name, "Buffer released more times than it was retained.");
    }

    /// <summary>Returns the storage to the owning backend (its cache or the OS/driver).</summary>
    protected abstract void Free();

    /// <summary>Makes a freed buffer a fresh one of the given size (one reference), for a backend that pools the objects.</summary>
    protected void Reuse(int length, DType dtype)
    {
        if (!IsReleased) throw new InvalidOperationException("Only a released buffer can be reused.");
        Length = length;
        DType = dtype;
        Volatile.Write(ref _references, 1);
    }
}

/// <summary>A buffer plus an element offset into it: how GEMM addresses one image of a batch.</summary>
public readonly record struct BufferSlice(DeviceBuffer Buffer, int Offset = 0)
{
    /// <summary>The whole buffer as a slice from element 0.</summary>
    public static implicit operator BufferSlice(DeviceBuffer buffer) => new(buffer, 0);
}
