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
        Slot? victim = null;
        int sameShape = 0;
        foreach (var slot in _slots)
        {
            if (slot.K != g.K || slot.C != g.C || slot.Form != form) continue;
            sameShape++;
            if (SameBits(w, Address(slot.Weights), weights))
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
        CpuParallel.For(Chunks(weights), new CopyChunks { From = w, To = Address(victim.Weights), Floats = weights });
        victim.LastUse = ++_tick;
        return Address(victim.U);
    }

    /// <summary>
    /// Floats per work item of <see cref="SameBits"/> and of the copy into a slot (256 KiB): a 512-channel
    /// 3×3 filter (9.4 MB) is 37 items, a 16-channel one (9 KiB) one, which runs on the calling thread.
    /// </summary>
    private const long ChunkFloats = 64 << 10;

    private static int Chunks(long floats) => (int)((floats + ChunkFloats - 1) / ChunkFloats);

    /// <summary>
    /// Whether the <paramref name="floats"/> floats at <paramref name="a"/> and <paramref name="b"/> are
    /// equal bit for bit, compared by all cores in chunks. On one thread the comparisons of the attack's
    /// calls (a hit reads the filter and the slot's copy: 19 MB for a 512-channel layer) took 1.0–1.4 % of
    /// an r18-b32 step's samples on Zen 3, and about twice that of its time: the other core idled meanwhile.
    /// The comparison is bound by memory, so two cores gain less than twice: a 512-channel filter against its
    /// copy, caches swept between rounds, took 0.82 ms on one core and 0.60 ms on two (Zen 3, median of 40
    /// rounds, in a probe over .NET's Parallel.For); a 256-channel one (2.4 MB) 0.19 ms on one.
    /// </summary>
    private static bool SameBits(float* a, float* b, long floats)
    {
        int differs = 0;
        CpuParallel.For(Chunks(floats), new CompareChunks { A = a, B = b, Floats = floats, Differs = &differs });
        return differs == 0;
    }

    private struct CompareChunks : IParallelWork
    {
        public float* A, B;
        public long Floats;
        public int* Differs;

        public readonly void Execute(int chunk)
        {
            // A difference found in any chunk decides: the rest need not be read.
            if (Volatile.Read(ref *Differs) != 0) return;
            long start = chunk * ChunkFloats;
            int bytes = (int)Math.Min(ChunkFloats, Floats - start) * sizeof(float);
            // As bytes: float equality would take −0 for +0 and never match a NaN.
            if (!new ReadOnlySpan<byte>(A + start, bytes).SequenceEqual(new ReadOnlySpan<byte>(B + start, bytes))) Volatile.Write(ref *Differs, 1);
        }
    }

    private struct CopyChunks : IParallelWork
    {
        public float* From, To;
        public long Floats;

        public readonly void Execute(int chunk)
        {
            long start = chunk * ChunkFloats;
            int count = (int)Math.Min(ChunkFloats, Floats - start);
            new ReadOnlySpan<float>(From + start, count).CopyTo(new Span<float>(To + start, count));
        }
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
