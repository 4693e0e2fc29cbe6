using System.Runtime.InteropServices;

namespace AutoLoRa.Kernels.Tests;

/// <summary>
/// Floats in native memory at a chosen phase from a 16-byte boundary (0..3 floats past it), as a
/// kernel sees a pointer into the middle of a device buffer. Guard floats on both sides hold a
/// sentinel, so a kernel that writes outside its range is caught.
/// </summary>
internal sealed unsafe class AlignedFloats : IDisposable
{
    private const int Guard = 8;
    private const float Sentinel = 12345.5f;

    private readonly float* _block;
    private readonly int _total;

    public AlignedFloats(float[] values, int phase)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)phase, 3u);
        _total = Guard + phase + values.Length + Guard;
        _block = (float*)NativeMemory.AlignedAlloc((nuint)_total * sizeof(float), 16);
        new Span<float>(_block, _total).Fill(Sentinel);
        Pointer = _block + Guard + phase;
        values.CopyTo(new Span<float>(Pointer, values.Length));
        Length = values.Length;
    }

    /// <summary>The first value; its address is <c>phase</c> floats past a 16-byte boundary.</summary>
    public float* Pointer { get; }

    public int Length { get; }

    public float[] ToArray() => new Span<float>(Pointer, Length).ToArray();

    /// <summary>True when nothing outside the values was written.</summary>
    public bool GuardsIntact()
    {
        var all = new Span<float>(_block, _total);
        int end = (int)(Pointer - _block) + Length;
        return !all[..(int)(Pointer - _block)].ContainsAnyExcept(Sentinel) && !all[end..].ContainsAnyExcept(Sentinel);
    }

    public void Dispose() => NativeMemory.AlignedFree(_block);
}
