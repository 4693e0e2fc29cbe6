using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The data gradient of a 3×3 stride-2 pad-1 convolution by its four sub-pixel phases: the input
/// pixels (2a + p, 2b + q) of one phase (p, q) ∈ {0, 1}² each receive the gradient of the same
/// taps — row tap r = 1 reading dy row a for p = 0; r = 2 (row a) and r = 0 (row a + 1) for
/// p = 1; likewise for columns — so each phase is a stride-1 correlation of dy with a 1×1, 1×2,
/// 2×1 or 2×2 sub-filter, nine taps in all and none of them a multiplication by zero.
/// <para>
/// Per group of images, dy is read as four shifted matrices stacked as
/// S = [S₁₀; S₀₀; S₀₁; S₁₁], S_dr,ds[k, (n, a, b)] = dy[n, k, a + dr, b + ds] (0 past dy's last
/// row or column), over OutH × OutW positions (a, b) for every phase. In this order the shifts a
/// phase reads are always consecutive blocks — (0,0): S₀₀; (0,1): S₀₀ S₀₁; (1,0): S₁₀ S₀₀; (1,1):
/// all four — so each phase is one plain GEMM, dx_pq (C, cols) = W_pq (C, T·K) · S[block rows],
/// whose B panels <see cref="ShiftedPanels"/> packs straight from dy (S itself is never stored).
/// The four results are interleaved into dx row by
/// row with contiguous stores; an odd phase of an odd-sized input computes one position more than
/// it keeps. GEMM + Col2Im does the same nine taps but writes the 9·C·P-float lowered gradient and
/// scatter-adds it back element by element.
/// </para>
/// </summary>
internal static unsafe class SubPixelDataGradient
{
    /// <summary>
    /// Columns (images × OutH·OutW) per group: half of the GEMM's packed B block. When S was still
    /// stored, a group's S and phase outputs took 16·(K + C) bytes a column, 1.5 MiB at 512 columns in the 128-channel
    /// layer of r18-b32 (twice an L2); at 256, interleaved in one process under load, the 128-,
    /// 256- and 512-channel stride-2 layers measured faster in 8 of 9 and 9 of 9 paired runs
    /// (typically 5–25 %), and the 512-channel layer's batch splits into two groups, one per core,
    /// instead of one group whose GEMMs the cores share.
    /// </summary>
    private const int GroupColumns = Sgemm.NC / 2;

    /// <summary>Whether this decomposition applies: 3×3, stride 2, pad 1 in both directions.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.R == 3 && g.S == 3 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 1 && g.PadW == 1;

    /// <summary>Input rows (or columns) of phase <paramref name="phase"/> of an extent <paramref name="size"/>.</summary>
    private static int PhaseExtent(int size, int phase) => (size - phase + 1) / 2;

    /// <summary>The shift (row, column) of each stacked block of S.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Row, int Column) Shift(int block) => block switch { 0 => (1, 0), 1 => (0, 0), 2 => (0, 1), _ => (1, 1) };

    /// <summary>Phase (p, q)'s blocks of S: from <c>First</c>, <c>Count</c> of them (a block is used when its shifts fit the phase).</summary>
    private static (int First, int Count) Blocks(int p, int q) => (p, q) switch { (0, 0) => (1, 1), (0, 1) => (1, 2), (1, 0) => (0, 2), _ => (0, 4) };

    /// <summary>The filter row (or column) that phase <paramref name="phase"/> applies at dy shift <paramref name="shift"/>.</summary>
    private static int Tap(int phase, int shift) => phase == 0 ? 1 : shift == 1 ? 0 : 2;

    /// <summary>dx for the whole batch: the four phase filters are gathered once, then groups of images run in parallel.</summary>
    public static void Compute(in ConvGeometry g, float* dy, float* w, ConvEpilogue epilogue, float* dx, ConvScratch scratch)
    {
        // The four sub-filters side by side take exactly the filter's 9·K·C floats, packed as the GEMMs'
        // A a few rows more where C is not whole micro-panels. Kept from call to call like Winograd's U:
        // the gather writes each weight to a scattered place, and at 1.2 M weights (the 512-channel
        // layer) it measured over half as long as the phase GEMMs; packing them again in every call
        // (in parallel, in every worker) cost a scalar scatter per weight, and packed once they
        // measured 1–6, 11–14 and about 25 % faster in the 128-, 256- and 512-channel layers of r18-b32
        // (interleaved in one process under load).
        float* filters = scratch.FilterTransforms.Find(g, w, WinogradFilterCache.FilterForm.SubPixelPhases, PackedOffset(g, 4), out bool gather);
        if (filters == null) filters = scratch.PackedFilter(PackedOffset(g, 4));
        if (gather)
        {
            float* gathered = scratch.FlippedFilter(g.FilterSize);
            CpuParallel.For((g.C + GatherFilters.Channels - 1) / GatherFilters.Channels, new GatherFilters { G = g, W = w, Filters = gathered });
            for (int phase = 0; phase < 4; phase++)
            {
                int depth = Blocks(phase >> 1, phase & 1).Count * g.K;
                Sgemm.PackA(false, g.C, depth, gathered + FilterOffset(g, phase), depth, filters + PackedOffset(g, phase));
            }
        }
        int group = Math.Clamp(GroupColumns / (g.OutH * g.OutW), 1, g.N);
        long columns = (long)group * g.OutH * g.OutW;
        CpuBackend.ForEachGroup(g.N, group, 4 * g.C * columns, scratch, new PhaseGroup { G = g, Dy = dy, Filters = filters, Epilogue = epilogue, Dx = dx });
    }

    /// <summary>Where phase (p, q)'s sub-filter starts among the four: phases in order (0,0), (0,1), (1,0), (1,1).</summary>
    private static long FilterOffset(in ConvGeometry g, int phase)
    {
        long offset = 0;
        for (int i = 0; i < phase; i++) offset += (long)Blocks(i >> 1, i & 1).Count * g.K * g.C;
        return offset;
    }

    /// <summary>Where phase <paramref name="phase"/>'s sub-filter starts among the four packed whole (<see cref="Sgemm.PackA"/>); phase 4: their size.</summary>
    private static long PackedOffset(in ConvGeometry g, int phase)
    {
        long offset = 0;
        for (int i = 0; i < phase; i++) offset += Sgemm.PackedASize(g.C, Blocks(i >> 1, i & 1).Count * g.K);
        return offset;
    }

    /// <summary>
    /// Rows [16·item, …) of every phase's W_pq: W_pq[c, t·K + k] = w[k, c, r, s] with (r, s) the
    /// taps of block First + t. For each k the block's channels read 16·9 consecutive floats of w;
    /// one channel at a time would read 36 bytes every 9·C floats, a cache line per float.
    /// </summary>
    private struct GatherFilters : IParallelWork
    {
        public const int Channels = 16;

        public ConvGeometry G;
        public float* W, Filters;

        public readonly void Execute(int item)
        {
            int c0 = item * Channels, c1 = Math.Min(c0 + Channels, G.C);
            Span<long> starts = stackalloc long[9];
            Span<int> taps = stackalloc int[9], rowLengths = stackalloc int[9];
            for (int phase = 0, j = 0; phase < 4; phase++)
            {
                int p = phase >> 1, q = phase & 1;
                var (first, count) = Blocks(p, q);
                for (int t = 0; t < count; t++, j++)
                {
                    var (dr, ds) = Shift(first + t);
                    taps[j] = Tap(p, dr) * 3 + Tap(q, ds);
                    // Channel c's entry for k lands at starts[j] + c·rowLengths[j] + k.
                    starts[j] = FilterOffset(G, phase) + (long)t * G.K;
                    rowLengths[j] = count * G.K;
                }
            }
            for (int k = 0; k < G.K; k++)
            {
                for (int c = c0; c < c1; c++)
                {
                    float* src = W + ((long)k * G.C + c) * 9;
                    for (int j = 0; j < 9; j++) Filters[starts[j] + (long)c * rowLengths[j] + k] = src[taps[j]];
                }
            }
        }
    }

    /// <summary>Images [first, first + count): one GEMM per phase (its filter packed whole, B packed from dy) into scratch, then the phases interleaved into dx (with the epilogue).</summary>
    private struct PhaseGroup : CpuBackend.IConvGroupWork
    {
        public ConvGeometry G;
        public float* Dy, Filters, Dx;
        public ConvEpilogue Epilogue;

        public readonly void Run(int first, int count, float* scratch, bool parallelGemm)
        {
            int columns = count * G.OutH * G.OutW;
            float* phases = scratch;
            float* dy = Dy + first * ((long)G.K * G.OutH * G.OutW);
            for (int phase = 0; phase < 4; phase++)
            {
                var (block, blocks) = Blocks(phase >> 1, phase & 1);
                int depth = blocks * G.K;
                Sgemm.RunPacked(G.C, columns, depth, Filters + PackedOffset(G, phase),
                    new ShiftedPanels(dy, G.K, G.OutH, G.OutW, block), phases + (long)phase * G.C * columns, columns, parallelGemm);
            }
            CpuParallel.For(G.C, new Interleave { G = G, Phases = phases, Dx = Dx, First = first, Count = count, Epilogue = Epilogue });
        }
    }

    /// <summary>
    /// Channel c of the group's dx from the phase blocks, each (C, Count·OutH·OutW): row 2a + p
    /// alternates phase (p, 0) and (p, 1) column by column. The epilogue runs on each plane just
    /// merged, still in L1, in parallel with the other channels: one pass over dx after all groups
    /// would read it back from memory on one thread.
    /// </summary>
    private struct Interleave : IParallelWork
    {
        public ConvGeometry G;
        public float* Phases, Dx;
        public int First, Count;
        public ConvEpilogue Epilogue;

        public readonly void Execute(int c)
        {
            long planes = G.OutH * G.OutW, block = G.C * Count * planes;
            for (int i = 0; i < Count; i++)
            {
                long plane = ((long)(First + i) * G.C + c) * G.H * G.W;
                float* origin = Phases + (c * Count + i) * planes;
                for (int ih = 0; ih < G.H; ih++)
                {
                    float* evens = origin + (ih & 1) * 2 * block + (ih >> 1) * G.OutW;
                    Merge(evens, evens + block, Dx + plane + (long)ih * G.W, G.W);
                }
                Epilogue.Apply(Dx, plane, G.H * G.W);
            }
        }
    }

    /// <summary>
    /// row[2b] = evens[b], row[2b + 1] = odds[b] over <paramref name="width"/> columns: 32 per two
    /// permutes, then 8 per two unpacks (the 8- and 16-pixel rows of the 256- and 512-channel
    /// layers, which the permutes alone left to the scalar loop).
    /// </summary>
    internal static void Merge(float* evens, float* odds, float* row, int width)
    {
        int w = 0;
        if (Avx512F.IsSupported)
        {
            var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var high = low + Vector512.Create(8);
            for (; w + 32 <= width; w += 32, evens += 16, odds += 16)
            {
                var e = Vector512.Load(evens);
                var o = Vector512.Load(odds);
                Vector512.Store(Avx512F.PermuteVar16x32x2(e, low, o), row + w);
                Vector512.Store(Avx512F.PermuteVar16x32x2(e, high, o), row + w + 16);
            }
        }
        if (Sse.IsSupported)
        {
            for (; w + 8 <= width; w += 8, evens += 4, odds += 4)
            {
                var e = Vector128.Load(evens);
                var o = Vector128.Load(odds);
                Vector128.Store(Sse.UnpackLow(e, o), row + w);
                Vector128.Store(Sse.UnpackHigh(e, o), row + w + 4);
            }
        }
        for (; w + 1 < width; w += 2)
        {
            row[w] = *evens++;
            row[w + 1] = *odds++;
        }
        if (w < width) row[w] = *evens;
    }
}
