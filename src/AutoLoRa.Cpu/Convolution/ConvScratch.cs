using System.Runtime.InteropServices;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Scratch memory for the convolution primitives: one array per worker (a group's GEMM output or
/// lowered gradient, the blocked filter gradient's chunk copies, or the few-channel convolution's padded image), the two wide matrices of the batched filter-gradient GEMM, a filter copy, the
/// direct convolution's padded images and packed filter, and the Winograd stages' interleaved
/// images, transformed filter, V and M. Arrays are pinned and only ever grow, so
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
    private float[]? _paddedImages;
    private float[]? _packedFilter;
    private float[]? _filterPartials;
    private float[]? _winogradImages;
    private float[]? _winogradFilter;
    private float[]? _winogradInputs;
    private float[]? _winogradProducts;
    private int[]? _tapOffsets;
    private int[]? _pixelOrigins;

    /// <summary>Arrays allocated so far (growth events), for allocation tests and reports.</summary>
    public long Allocations { get; private set; }

    /// <summary>Transformed Winograd filters kept across calls (its budget set by the backend on each rent).</summary>
    public WinogradFilterCache FilterTransforms { get; } = new();

    /// <summary>Makes sure workers 0..count−1 each have an array (column matrix, chunk copies) of at least <paramref name="length"/> floats.</summary>
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

    /// <summary>Zero-padded copies of a batch, for the direct convolution.</summary>
    public float* PaddedImages(long length) => Address(Grow(ref _paddedImages, length));

    /// <summary>The filter in 8-channel panels, for the direct convolution.</summary>
    public float* PackedFilter(long length) => Address(Grow(ref _packedFilter, length));

    /// <summary>Per-worker partial filter gradients of the direct convolution.</summary>
    public float* FilterPartials(long length) => Address(Grow(ref _filterPartials, length));

    /// <summary>Channel-interleaved padded images, for the Winograd convolution.</summary>
    public float* WinogradImages(long length) => Address(Grow(ref _winogradImages, length));

    /// <summary>The transformed filter U, for the Winograd convolution.</summary>
    public float* WinogradFilter(long length) => Address(Grow(ref _winogradFilter, length));

    /// <summary>A block's transformed inputs V, for the Winograd convolution.</summary>
    public float* WinogradInputs(long length) => Address(Grow(ref _winogradInputs, length));

    /// <summary>A block's products M, for the Winograd convolution.</summary>
    public float* WinogradProducts(long length) => Address(Grow(ref _winogradProducts, length));

    /// <summary>Each filter tap's offset in a padded image, for the direct convolution.</summary>
    public int* TapOffsets(int length) => Address(Grow(ref _tapOffsets, length));

    /// <summary>Where each 16-pixel output run starts in a padded image, for the direct convolution.</summary>
    public int* PixelOrigins(int length) => Address(Grow(ref _pixelOrigins, length));

    private T[] Grow<T>(ref T[]? array, long length) where T : unmanaged
    {
        if (array is null || array.Length < length)
        {
            if (length > Array.MaxLength) throw new Core.Backends.BackendException($"Convolution scratch of {length} elements is larger than an array can be.");
            array = GC.AllocateUninitializedArray<T>((int)Math.Max(length, 1), pinned: true);
            Allocations++;
        }
        return array;
    }

    // Safe because every array here lives on the pinned object heap.
    private static T* Address<T>(T[] array) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
