using AutoLoRa.Core;

namespace AutoLoRa.Cpu;

/// <summary>
/// Where the CPU backend's buffers come from: their arrays from the <see cref="ArrayCache"/>, and,
/// when <see cref="WrapperRecycling.Enabled"/>, the <see cref="CpuBuffer"/> objects from a free list
/// that freed buffers join (a buffer is freed when the last tensor using it lets it go, so no tensor
/// can still reach it).
/// </summary>
internal sealed class CpuBufferPool
{
    private readonly Stack<CpuBuffer> _free = new();
    private readonly Lock _gate = new();

    public ArrayCache Arrays { get; } = new();

    public CpuBuffer Rent(int length, DType dtype)
    {
        CpuBuffer? buffer = null;
        if (WrapperRecycling.Enabled)
        {
            lock (_gate) _free.TryPop(out buffer);
        }
        if (buffer is null) return new CpuBuffer(this, length, dtype);
        buffer.Revive(length, dtype);
        return buffer;
    }

    /// <summary>Keeps a freed wrapper (its storage already returned) for a later <see cref="Rent"/>.</summary>
    public void Return(CpuBuffer buffer)
    {
        if (!WrapperRecycling.Enabled) return;
        lock (_gate) _free.Push(buffer);
    }

    /// <summary>Drops every cached array and wrapper so the GC can reclaim them.</summary>
    public void Trim()
    {
        Arrays.Trim();
        lock (_gate) _free.Clear();
    }
}
