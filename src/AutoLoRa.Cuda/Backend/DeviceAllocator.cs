using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda;

/// <summary>
/// A caching device allocator: freed blocks are kept per rounded size and handed out again, so a
/// steady training loop stops calling the driver after its first step. Sizes are rounded up to
/// 512 bytes below 1 MiB and to 1 MiB multiples above, which bounds the number of size classes.
/// Not thread-safe beyond a lock; the backend is used from one thread at a time.
/// </summary>
internal sealed class DeviceAllocator(IDeviceRuntime runtime) : IDisposable
{
    private readonly Dictionary<nuint, Stack<ulong>> _free = [];
    private readonly Lock _gate = new();

    public long Misses { get; private set; }

    public CudaBuffer Rent(int length, DType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        nuint bytes = Round((nuint)Math.Max(1L, (long)length * 4));
        lock (_gate)
        {
            if (_free.TryGetValue(bytes, out var stack) && stack.TryPop(out var cached)) return new CudaBuffer(this, cached, bytes, length, dtype);
            Misses++;
        }
        return new CudaBuffer(this, runtime.Allocate(bytes), bytes, length, dtype);
    }

    public void Return(ulong pointer, nuint bytes)
    {
        lock (_gate)
        {
            if (!_free.TryGetValue(bytes, out var stack)) _free[bytes] = stack = new Stack<ulong>();
            stack.Push(pointer);
        }
    }

    /// <summary>Gives every cached block back to the runtime.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            foreach (var stack in _free.Values)
            {
                while (stack.TryPop(out var pointer)) runtime.Free(pointer);
            }
        }
    }

    public void Dispose() => Trim();

    private static nuint Round(nuint bytes) => bytes <= (1u << 20) ? (bytes + 511) & ~(nuint)511 : (bytes + (1u << 20) - 1) & ~(nuint)((1u << 20) - 1);
}

/// <summary>A block of device memory (float32 or int32 elements) owned through <see cref="DeviceAllocator"/>.</summary>
internal sealed class CudaBuffer(DeviceAllocator owner, ulong pointer, nuint bytes, int length, DType dtype) : DeviceBuffer(length, dtype)
{
    private ulong _pointer = pointer;

    /// <summary>The CUdeviceptr (a host address under the emulated runtime).</summary>
    public ulong Pointer => _pointer != 0 ? _pointer : throw new ObjectDisposedException(nameof(CudaBuffer), "The buffer was released.");

    protected override void Free()
    {
        owner.Return(_pointer, bytes);
        _pointer = 0;
    }
}
