using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoLoRa.Core.Cpu.Convolution;

/// <summary>
/// Scratch memory for the convolution primitives: one GEMM output per worker (a group's output or
/// lowered gradient), the two wide matrices of the batched filter-gradient GEMM, and a filter copy. Arrays are pinned and only ever grow, so
/// after the first training step (which meets every layer's shape) no call allocates.
/// </summary>
/// <remarks>
/// Growing happens on the calling thread before work is handed to the workers, which then only
/// read the pointers; the set itself is rented by one call at a time (see
/// <see cref="CpuBackend"/>), so concurrent callers never share it.
/// </remarks>
internal sealed unsafe class ConvScratch
{
    private float[]?[] _columns = [];
    private float[]? _wideColumns;
    private float[]? _wideGradients;
    private float[]? _flippedFilter;

    /// <summary>Arrays allocated so far (growth events), for allocation tests and reports.</summary>
    public long Allocations { get; private set; }

    /// <summary>Makes sure workers 0..count−1 each have a column matrix of at least <paramref name="length"/> floats.</summary>
    public void EnsureColumns(int count, long length)
    {
        if (_columns.Length < count) Array.Resize(ref _columns, count);
        for (int i = 0; i < count; i++) Grow(ref _columns[i], length);
    }

    /// <summary>Worker <paramref name="worker"/>'s column matrix (after <see cref="EnsureColumns"/>).</summary>
    public float* Columns(int worker) => Address(_columns[worker]!);

    public float* WideColumns(long length) => Address(Grow(ref _wideColumns, length));

    public float* WideGradients(long length) => Address(Grow(ref _wideGradients, length));

    /// <summary>The transposed, flipped filter of a stride-1 data gradient.</summary>
    public float* FlippedFilter(long length) => Address(Grow(ref _flippedFilter, length));

    private float[] Grow(ref float[]? array, long length)
    {
        if (array is null || array.Length < length)
        {
            if (length > Array.MaxLength) throw new Backends.BackendException($"Convolution scratch of {length} floats is larger than an array can be.");
            array = GC.AllocateUninitializedArray<float>((int)Math.Max(length, 1), pinned: true);
            Allocations++;
        }
        return array;
    }

    // Safe because every array here lives on the pinned object heap.
    private static float* Address(float[] array) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
