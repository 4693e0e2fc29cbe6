using System.Runtime.InteropServices;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// Per-thread packing buffers for <see cref="Sgemm"/>: one packed B block and one packed A
/// micro-panel. Native, 64-byte aligned (full cache lines, aligned vector loads), allocated on a
/// thread's first GEMM and grown only when a bigger block is asked for, so steady-state calls
/// allocate nothing. The finalizer returns the memory when the owning thread has died.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_current;

    private float* _a;
    private float* _b;
    private nuint _aFloats;
    private nuint _bFloats;

    /// <summary>The calling thread's scratch.</summary>
    public static GemmScratch Current => t_current ??= new GemmScratch();

    /// <summary>A buffer of at least <paramref name="floats"/> floats for a packed A micro-panel.</summary>
    public float* A(nuint floats) => Ensure(ref _a, ref _aFloats, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> floats for a packed B block.</summary>
    public float* B(nuint floats) => Ensure(ref _b, ref _bFloats, floats);

    private static float* Ensure(ref float* buffer, ref nuint capacity, nuint floats)
    {
        if (floats <= capacity) return buffer;
        NativeMemory.AlignedFree(buffer);
        buffer = null;
        capacity = 0;
        buffer = (float*)NativeMemory.AlignedAlloc(floats * sizeof(float), 64);
        capacity = floats;
        return buffer;
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
    }
}
