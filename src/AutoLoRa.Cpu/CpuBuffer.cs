using AutoLoRa.Core;

namespace AutoLoRa.Cpu;

/// <summary>
/// Host storage for the CPU backend. Arrays come from the pinned object heap, so kernels can take
/// raw pointers without pinning on every call, and they are recycled through <see cref="ArrayCache"/>;
/// the wrapper objects themselves go back to <see cref="CpuBufferPool"/> when freed.
/// </summary>
internal sealed class CpuBuffer : DeviceBuffer
{
    private readonly CpuBufferPool _pool;

    public CpuBuffer(CpuBufferPool pool, int length, DType dtype) : base(length, dtype)
    {
        _pool = pool;
        RentStorage();
    }

    /// <summary>The float32 storage (at least Length long), or null for an int32 buffer.</summary>
    public float[]? Floats { get; private set; }

    /// <summary>The int32 storage (at least Length long), or null for a float32 buffer.</summary>
    public int[]? Ints { get; private set; }

    /// <summary>Turns this released wrapper into a new buffer of <paramref name="length"/> elements (called by its pool).</summary>
    public void Revive(int length, DType dtype)
    {
        Reuse(length, dtype);
        RentStorage();
    }

    protected override void Free()
    {
        if (Floats is not null) _pool.Arrays.Return(Floats);
        if (Ints is not null) _pool.Arrays.Return(Ints);
        Floats = null;
        Ints = null;
        _pool.Return(this);
    }

    private void RentStorage()
    {
        if (DType == DType.Float32) Floats = _pool.Arrays.RentFloats(Length);
        else Ints = _pool.Arrays.RentInts(Length);
    }
}
