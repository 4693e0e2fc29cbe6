using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

/// <summary>
/// Host storage for the CPU backend. Arrays come from the pinned object heap, so kernels can take
/// raw pointers without pinning on every call, and they are recycled through <see cref="ArrayCache"/>.
/// </summary>
internal sealed class CpuBuffer : DeviceBuffer
{
    private readonly ArrayCache _cache;

    public CpuBuffer(ArrayCache cache, int length, DType dtype) : base(length, dtype)
    {
        _cache = cache;
        if (dtype == DType.Float32) Floats = cache.RentFloats(length);
        else Ints = cache.RentInts(length);
    }

    /// <summary>The float32 storage (at least Length long), or null for an int32 buffer.</summary>
    public float[]? Floats { get; private set; }

    /// <summary>The int32 storage (at least Length long), or null for a float32 buffer.</summary>
    public int[]? Ints { get; private set; }

    protected override void Free()
    {
        if (Floats is not null) _cache.Return(Floats);
        if (Ints is not null) _cache.Return(Ints);
        Floats = null;
        Ints = null;
    }
}
