using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The data gradient of a 3×3 stride-2 pad-1 convolution by its four sub-pixel phases: the input
/// pixels (2a + p, 2b + q) of one phase (p, q) ∈ {0, 1}² each receive the gradient of the same
/// taps — row tap r = 1 reading dy row a for p = 0; r = 2 (row a) and r = 0 (row a + 1) for
/// p = 1; likewise for columns — so each phase is a stride-1 correlation of dy with a 1×1, 1×2,
/// 2×1 or 2×2 sub-filter:
/// <code>
///   dx_pq (C, count·Hp·Wp) = W_pq (C, T·K) · B_pq (T·K, count·Hp·Wp),
///   B_pq[t·K + k, (n, a, b)] = dy[n, k, a + dr_t, b + ds_t]   (0 past the last row or column)
/// </code>
/// Nine taps in all, none of them a multiplication by zero (GEMM + Col2Im makes the same nine,
/// but writes the 9·C·P-float lowered gradient and scatter-adds it back). B is packed straight
/// from dy as contiguous runs (<see cref="PhasePanels"/>); each phase's GEMM writes a dense block
/// of scratch, and the four blocks are interleaved into dx row by row with contiguous stores.
/// </summary>
internal static unsafe class SubPixelDataGradient
{
    /// <summary>Whether this decomposition applies: 3×3, stride 2, pad 1 in both directions.</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.R == 3 && g.S == 3 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 1 && g.PadW == 1;

    /// <summary>Input rows (or columns) of phase <paramref name="phase"/> of an extent <paramref name="size"/>.</summary>
    private static int PhaseExtent(int size, int phase) => (size - phase + 1) / 2;

    /// <summary>Taps of phase <paramref name="phase"/> along one axis: 1 for the even phase, 2 for the odd one.</summary>
    private static int PhaseTaps(int phase) => phase + 1;

    /// <summary>Filter row (or column) of tap <paramref name="t"/> of a phase, and the dy offset it reads at.</summary>
    private static (int Tap, int Shift) AxisTap(int phase, int t) => phase == 0 ? (1, 0) : t == 0 ? (2, 0) : (0, 1);

    /// <summary>dx for the whole batch: the four phase filters are gathered once, then groups of images run in parallel.</summary>
    public static void Compute(in ConvGeometry g, float* dy, float* w, float* dx, ConvScratch scratch)
    {
        // The four sub-filters side by side take exactly the filter's 9·K·C floats.
        float* filters = scratch.FlippedFilter(g.FilterSize);
        CpuParallel.For(g.C, new GatherFilters { G = g, W = w, Filters = filters });
        int group = Math.Clamp(Sgemm.NC / (g.OutH * g.OutW), 1, g.N);
        long scratchLength = (long)g.C * g.H * g.W * group;
        CpuBackend.ForEachGroup(g.N, group, scratchLength, scratch, new PhaseGroup { G = g, Dy = dy, Filters = filters, Dx = dx });
    }

    /// <summary>Where phase (p, q)'s sub-filter starts among the four: phases in order (0,0), (0,1), (1,0), (1,1).</summary>
    private static long FilterOffset(in ConvGeometry g, int p, int q)
    {
        long offset = 0;
        for (int i = 0; i < 2 * p + q; i++) offset += (long)PhaseTaps(i >> 1) * PhaseTaps(i & 1) * g.K * g.C;
        return offset;
    }

    /// <summary>Row c of every phase's W_pq: W_pq[c, t·K + k] = w[k, c, r_t, s_t].</summary>
    private struct GatherFilters : IParallelWork
    {
        public ConvGeometry G;
        public float* W, Filters;

        public readonly void Execute(int c)
        {
            for (int phase = 0; phase < 4; phase++)
            {
                int p = phase >> 1, q = phase & 1;
                int rowTaps = PhaseTaps(p), colTaps = PhaseTaps(q), taps = rowTaps * colTaps;
                float* row = Filters + FilterOffset(G, p, q) + (long)c * taps * G.K;
                for (int t = 0; t < taps; t++)
                {
                    int tap = AxisTap(p, t / colTaps).Tap * 3 + AxisTap(q, t % colTaps).Tap;
                    float* src = W + (long)c * 9 + tap;
                    float* dst = row + (long)t * G.K;
                    for (int k = 0; k < G.K; k++) dst[k] = src[(long)k * G.C * 9];
                }
            }
        }
    }

    /// <summary>Images [first, first + count): one GEMM per phase into scratch, then the phases interleaved into dx.</summary>
    private struct PhaseGroup : CpuBackend.IConvGroupWork
    {
        public ConvGeometry G;
        public float* Dy, Filters, Dx;

        public readonly void Run(int first, int count, float* scratch, bool parallelGemm)
        {
            float* dyGroup = Dy + first * ((long)G.K * G.OutH * G.OutW);
            float* phases = scratch;
            Span<long> starts = stackalloc long[4];
            for (int phase = 0; phase < 4; phase++)
            {
                int p = phase >> 1, q = phase & 1;
                int hp = PhaseExtent(G.H, p), wp = PhaseExtent(G.W, q);
                starts[phase] = phases - scratch;
                if (hp == 0 || wp == 0) continue;
                int depth = PhaseTaps(p) * PhaseTaps(q) * G.K;
                int columns = count * hp * wp;
                var source = new PhasePanels(G, dyGroup, p, q, hp, wp);
                Sgemm.Run(false, G.C, columns, depth, 1f, Filters + FilterOffset(G, p, q), depth, source, 0f, phases, columns, parallelGemm);
                phases += (long)G.C * columns;
            }
            Interleave(first, count, scratch, starts);
        }

        /// <summary>dx rows from the phase blocks: row 2a + p alternates phase (p, 0) and (p, 1) column by column.</summary>
        private readonly void Interleave(int first, int count, float* scratch, ReadOnlySpan<long> starts)
        {
            int h0 = PhaseExtent(G.H, 0), h1 = PhaseExtent(G.H, 1);
            int w0 = PhaseExtent(G.W, 0), w1 = PhaseExtent(G.W, 1);
            for (int i = 0; i < count; i++)
            {
                float* image = Dx + (first + i) * ((long)G.C * G.H * G.W);
                for (int c = 0; c < G.C; c++)
                {
                    float* plane = image + (long)c * G.H * G.W;
                    for (int ih = 0; ih < G.H; ih++)
                    {
                        int p = ih & 1, a = ih >> 1, hp = p == 0 ? h0 : h1;
                        // Block of phase (p, q): (C, count·hp·wq); image i, channel c, row a starts at ((c·count + i)·hp + a)·wq.
                        float* evens = scratch + starts[2 * p] + (((long)c * count + i) * hp + a) * w0;
                        float* odds = scratch + starts[2 * p + 1] + (((long)c * count + i) * hp + a) * w1;
                        Merge(evens, odds, plane + (long)ih * G.W, G.W);
                    }
                }
            }
        }
    }

    /// <summary>row[2b] = evens[b], row[2b + 1] = odds[b] over <paramref name="width"/> columns: 32 per two permutes.</summary>
    private static void Merge(float* evens, float* odds, float* row, int width)
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
        for (; w + 1 < width; w += 2)
        {
            row[w] = *evens++;
            row[w + 1] = *odds++;
        }
        if (w < width) row[w] = *evens;
    }

    /// <summary>
    /// B_pq of a run of images as a GEMM panel source: row t·K + k, column (n, a, b) is
    /// dy[n, k, a + dr_t, b + ds_t], zero where that falls past dy's last row or column. A panel's
    /// columns are split once into runs within one phase row; each row of B is then a contiguous
    /// copy per run.
    /// </summary>
    private readonly struct PhasePanels(ConvGeometry g, float* dy, int p, int q, int hp, int wp) : IPanelSource
    {
        private readonly ConvGeometry _g = g;
        private readonly float* _dy = dy;
        private readonly int _p = p, _q = q, _hp = hp, _wp = wp;

        public void Pack(int p0, int kc, int j0, int cols, int nr, float* dst)
        {
            Span<Run> runs = stackalloc Run[nr];
            int colTaps = PhaseTaps(_q);
            int planes = _g.OutH * _g.OutW;
            for (int jr = 0; jr < cols; jr += nr, dst += (long)kc * nr)
            {
                int width = Math.Min(nr, cols - jr);
                int count = Split(j0 + jr, width, runs);
                float* d = dst;
                for (int row = p0; row < p0 + kc; row++, d += nr)
                {
                    int t = row / _g.K, k = row - t * _g.K;
                    int dr = AxisTap(_p, t / colTaps).Shift, ds = AxisTap(_q, t % colTaps).Shift;
                    float* plane = _dy + (long)k * planes;
                    foreach (var run in runs[..count])
                    {
                        int oh = run.A + dr;
                        float* out_ = d + run.Column;
                        if (oh >= _g.OutH)
                        {
                            new Span<float>(out_, run.Length).Clear();
                            continue;
                        }
                        float* src = plane + run.Image + (long)oh * _g.OutW + run.B + ds;
                        // Only the odd phase's shifted tap can step past the last column, and only at the row's end.
                        int inside = Math.Min(run.Length, _g.OutW - run.B - ds);
                        CopyShort(src, out_, inside);
                        for (int i = inside; i < run.Length; i++) out_[i] = 0f;
                    }
                    if (width < nr) new Span<float>(d + width, nr - width).Clear();
                }
            }
        }

        /// <summary>Columns [Column, Column + Length) of a panel: image offset, phase row a, first phase column b.</summary>
        private readonly record struct Run(int Column, int Length, long Image, int A, int B);

        private int Split(int j, int width, Span<Run> runs)
        {
            int phasePlane = _hp * _wp;
            long dyImage = (long)_g.K * _g.OutH * _g.OutW;
            int count = 0;
            for (int column = 0; column < width;)
            {
                int n = j / phasePlane, rest = j - n * phasePlane;
                int a = rest / _wp, b = rest - a * _wp;
                int length = Math.Min(_wp - b, width - column);
                runs[count++] = new Run(column, length, n * dyImage, a, b);
                column += length;
                j += length;
            }
            return count;
        }

        private static void CopyShort(float* src, float* dst, int length)
        {
            // Late layers copy runs of 4 or 8: a plain loop beats any call there.
            if (length >= 16)
            {
                Packing.CopyRun(src, dst, length);
                return;
            }
            for (int i = 0; i < length; i++) dst[i] = src[i];
        }
    }
}
