using System.Runtime.InteropServices;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Transformed Winograd filters U kept from call to call, so a filter used again — every iteration
/// of a PGD attack convolves with the same (batch-norm-folded) weights, forward and in the data
/// gradient — is transformed once per weight version rather than once per call. For the 512-channel
/// layers of ResNet-18 at batch 32 writing U (37.7 MB) costs about as much as the multiplications.
/// <para>
/// A slot is found by the filter's contents, compared in full with a copy kept beside U: the
/// attack's weights arrive in a fresh (recycled) buffer each iteration, so neither the buffer nor a
/// version number would recognise them, and a weight update — any change to any bit — is a miss
/// that transforms again. The sub-pixel data gradient keeps its gathered phase filters here too
/// (<see cref="FilterForm.SubPixelPhases"/>), and the GEMM forward of a 3×3
/// its filter packed into the GEMM's micro-panels (<see cref="FilterForm.GemmPanels"/>), for the same reason. Each filter shape and form (K, C,
/// <see cref="FilterForm"/>) has up to
/// <see cref="SlotsPerShape"/> slots, replaced least recently used first (four: the most
/// same-shaped Winograd layers of a ResNet-18 stage); slots are allocated only while the budget
/// allows and never freed, so once every shape has met its slots nothing is allocated.
/// </para>
/// </summary>
internal sealed unsafe class WinogradFilterCache
{
    /// <summary>What a slot holds, made from a K·C·3·3 filter.</summary>
    public enum FilterForm
    {
        /// <summary>Winograd's U of the filter.</summary>
        Winograd,

        /// <summary>Winograd's U of the filter transposed and flipped (a stride-1 data gradient).</summary>
        WinogradFlipped,

        /// <summary><see cref="SubPixelDataGradient"/>'s four phase filters, each packed whole for the GEMM (<see cref="Gemm.Sgemm.PackA"/>).</summary>
        SubPixelPhases,

        /// <summary>The filter as the GEMM forward's A (K × C·9), packed whole (<see cref="Gemm.Sgemm.PackA"/>).</summary>
        GemmPanels,
    }

    public const int SlotsPerShape = 4;

    private readonly List<Slot> _slots = [];
    private long _tick;
    private long _heldFloats;

    /// <summary>The most floats the slots may hold together (copies and U); 0 keeps nothing.</summary>
    public long BudgetFloats { get; set; }

    /// <summary>Calls that found their filter already transformed.</summary>
    public long Hits { get; private set; }

    /// <summary>Calls that had to transform their filter.</summary>
    public long Misses { get; private set; }

    /// <summary>Slots allocated so far.</summary>
    public int Slots => _slots.Count;

    /// <summary>
    /// Where U of the filter <paramref name="w"/> (K·C·9 floats as <paramref name="g"/> and
    /// <paramref name="form"/> reads them) is: a slot holding it already (<paramref name="transform"/>
    /// false), a slot now claimed for it, or null when no slot can be had (both: the caller transforms).
    /// </summary>
    public float* Find(in ConvGeometry g, float* w, FilterForm form, long filterFloats, out bool transform)
    {
        long weights = (long)g.K * g.C * 9;
        var contents = new ReadOnlySpan<byte>(w, checked((int)(weights * sizeof(float))));
        Slot? victim = null;
        int sameShape = 0;
        foreach (var slot in _slots)
        {
            if (slot.K != g.K || slot.C != g.C || slot.Form != form) continue;
            sameShape++;
            if (contents.SequenceEqual(MemoryMarshal.AsBytes(slot.Weights.AsSpan())))
            {
                slot.LastUse = ++_tick;
                Hits++;
                transform = false;
                return Address(slot.U);
            }
            if (victim is null || slot.LastUse < victim.LastUse) victim = slot;
        }
        Misses++;
        transform = true;
        if (sameShape < SlotsPerShape && _heldFloats + weights + filterFloats <= BudgetFloats)
        {
            victim = new Slot(g.K, g.C, form,
                GC.AllocateUninitializedArray<float>((int)weights, pinned: true),
                GC.AllocateUninitializedArray<float>(checked((int)filterFloats), pinned: true));
            _slots.Add(victim);
            _heldFloats += weights + filterFloats;
        }
        if (victim is null) return null;
        contents.CopyTo(MemoryMarshal.AsBytes(victim.Weights.AsSpan()));
        victim.LastUse = ++_tick;
        return Address(victim.U);
    }

    // Safe because the slots' arrays live on the pinned object heap.
    private static float* Address(float[] array) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));

    private sealed class Slot(int k, int c, FilterForm form, float[] weights, float[] u)
    {
        public int K { get; } = k;

        public int C { get; } = c;

        public FilterForm Form { get; } = form;

        /// <summary>The filter U was made from, bit for bit.</summary>
        public float[] Weights { get; } = weights;

        public float[] U { get; } = u;

        public long LastUse { get; set; }
    }
}
