using AutoLoRa.Cpu.Convolution;
using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu;

/// <summary>
/// Convolution as GEMM over the lowered (im2col) matrix. With col(x_n) of shape (C·R·S, P),
/// P = OutH·OutW:
/// <code>
///   forward          y_n (K, P)       = W (K, C·R·S) · col(x_n)
///   backward data    stride 1: dx = conv(dy; W transposed to (C, K) and flipped in R, S; pad R−1−pad)
///                    otherwise: dcol (C·R·S, P) = Wᵀ · dy_n, then dx_n = Col2Im(dcol)
///                    3×3 stride 2 pad 1, also: four sub-pixel phases of dx, each a stride-1 GEMM of dy (SubPixelDataGradient)
///   backward filter  dW (K, C·R·S)  = Σ_n dy_n · col(x_n)ᵀ
/// </code>
/// <para>
/// Each pass of each shape runs one of the <see cref="ConvAlgorithm"/>s, chosen by measurement
/// (<see cref="Autotune"/>) or by a fixed rule: a 3×3 stride-1 convolution with channels in whole
/// vectors (16 lanes on AVX-512, 8 on AVX2) by Winograd's F(4×4, 3×3) (<see cref="WinogradConvolution"/>,
/// <see cref="WinogradFilterGradient"/>) unless <see cref="Winograd"/> is off; else, where output
/// rows are whole vectors, a direct convolution (<see cref="DirectConvolution"/>); else by GEMM.
/// The GEMM forward lays a group of images side by side, so one GEMM has ≈ <see cref="GroupColumns"/>
/// columns even where P is 16 (late ResNet stages), and packs the GEMM's B panels straight from
/// the images (<see cref="Im2ColPanels"/>): the column matrix is never materialised. Groups run in
/// parallel with single-threaded GEMMs, one scratch output per worker; with fewer groups than
/// workers the groups run in turn and each GEMM parallelises itself. A stride-1 data gradient is
/// itself such a forward convolution, which spares the scatter-add of Col2Im.
/// </para>
/// <para>
/// The filter gradient lays a group of images side by side (col of shape (C·R·S, G·P), dy of
/// shape (K, G·P)) and makes one multi-threaded GEMM per group, accumulating into dW: its inner
/// dimension G·P is long even for the 4×4 layers, nothing races and no per-worker partial
/// gradients need reducing.
/// </para>
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Columns a forward or data-gradient GEMM aims for: one packed B block (<see cref="Sgemm.NC"/>).</summary>
    private const int GroupColumns = Sgemm.NC;

    private ConvScratch? _convScratch = new();

    /// <summary>
    /// Upper bound, in floats, of the side-by-side column matrix of the filter gradient; decides how
    /// many images share one GEMM. 4 Mi floats (16 MiB) lets a whole batch of 32 share one GEMM from
    /// 16×16 layers down. Settable so tests can force several groups.
    /// </summary>
    internal long ConvWideColumnBudget { get; set; } = 1L << 22;

    /// <summary>Scratch arrays the convolution primitives have allocated so far (zero growth in steady state).</summary>
    internal long ConvScratchAllocations => Volatile.Read(ref _convScratch)?.Allocations ?? 0;

    /// <inheritdoc/>
    protected override void Conv2dForwardCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y) =>
        Conv2dForwardFusedCore(g, x, w, bias, null, false, y);

    /// <inheritdoc/>
    protected override unsafe void Conv2dForwardFusedCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias,
        DeviceBuffer? residual, bool relu, DeviceBuffer y)
    {
        CheckColumns(nameof(Conv2dForward), g);
        var scratch = RentConvScratch();
        try
        {
            fixed (float* px = Floats(x), pw = Floats(w), py = Floats(y), pb = bias is null ? null : Floats(bias),
                   pr = residual is null ? null : Floats(residual))
            {
                var run = new ForwardRun { G = g, X = px, W = pw, Bias = pb, Epilogue = new ConvEpilogue(pr, null, relu), Y = py, Scratch = scratch };
                run.Run(Choose(g, ConvPass.Forward, ref run));
            }
        }
        finally
        {
            ReturnConvScratch(scratch);
        }
    }

    /// <inheritdoc/>
    protected override void Conv2dBackwardDataCore(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) =>
        Conv2dBackwardDataFusedCore(g, dy, w, null, null, dx);

    /// <inheritdoc/>
    protected override unsafe void Conv2dBackwardDataFusedCore(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer? addend,
        DeviceBuffer? mask, DeviceBuffer dx)
    {
        CheckColumns(nameof(Conv2dBackwardData), g);
        var scratch = RentConvScratch();
        try
        {
            fixed (float* pdy = Floats(dy), pw = Floats(w), pdx = Floats(dx), pa = addend is null ? null : Floats(addend),
                   pm = mask is null ? null : Floats(mask))
            {
                var run = new DataGradientRun { G = g, Dy = pdy, W = pw, Dx = pdx, Epilogue = new ConvEpilogue(pa, pm, false), Scratch = scratch };
                run.Run(Choose(g, ConvPass.DataGradient, ref run));
            }
        }
        finally
        {
            ReturnConvScratch(scratch);
        }
    }

    /// <inheritdoc/>
    protected override unsafe void Conv2dBackwardFilterCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckColumns(nameof(Conv2dBackwardFilter), g);
        var scratch = RentConvScratch();
        try
        {
            fixed (float* px = Floats(x), pdy = Floats(dy), pdw = Floats(dw))
            {
                var run = new FilterGradientRun { G = g, X = px, Dy = pdy, Dw = pdw, Scratch = scratch, WideColumnBudget = ConvWideColumnBudget };
                run.Run(Choose(g, ConvPass.FilterGradient, ref run));
            }
        }
        finally
        {
            ReturnConvScratch(scratch);
        }
    }

    /// <summary>dW by GEMM: per image for a pointwise convolution, else over groups of lowered images side by side.</summary>
    private static unsafe void GemmFilterGradient(in ConvGeometry g, float* px, float* pdy, float* pdw, ConvScratch scratch, long wideColumnBudget)
    {
        int planes = g.OutH * g.OutW;
        int taps = g.C * g.R * g.S;
        if (IsPointwise(g))
        {
            long imageSize = (long)g.C * g.H * g.W;
            long outputSize = (long)g.K * planes;
            // dW (K, C) += dy_n (K, HW) · x_nᵀ (HW, C): the input plane is already the column matrix.
            for (int n = 0; n < g.N; n++)
            {
                Sgemm.Run(false, true, g.K, g.C, planes, 1f, pdy + n * outputSize, planes,
                    px + n * imageSize, planes, n == 0 ? 0f : 1f, pdw, g.C, parallel: true);
            }
            return;
        }
        long perImage = (long)taps * planes;
        int group = (int)Math.Clamp(wideColumnBudget / perImage, 1, g.N);
        float* cols = scratch.WideColumns(perImage * group);
        float* grads = scratch.WideGradients((long)g.K * planes * group);
        for (int first = 0; first < g.N; first += group)
        {
            int count = Math.Min(group, g.N - first);
            int ld = count * planes;
            CpuParallel.For(count, new PackGroup { G = g, X = px, Dy = pdy, Cols = cols, Grads = grads, First = first, Ld = ld });
            Sgemm.Run(false, true, g.K, taps, ld, 1f, grads, ld, cols, ld, first == 0 ? 0f : 1f, pdw, taps, parallel: true);
        }
    }

    /// <summary>
    /// Whether 3×3 stride-1 convolutions (forward and both gradients) may use Winograd's
    /// F(4×4, 3×3), which does a quarter of the multiplications and rounds differently from the
    /// direct method (relative error about 1e-6). Off gives the exact direct/GEMM algorithms.
    /// </summary>
    public bool Winograd { get; init; } = true;

    private static bool IsPointwise(in ConvGeometry g) =>
        g.R == 1 && g.S == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    /// <summary>im2col's own limit, on top of the shared checks: the column matrix of one image must fit an array.</summary>
    private static void CheckColumns(string op, in ConvGeometry g) => PrimitiveChecks.Count(op, g, g.C * g.R, g.S, g.OutH, g.OutW);

    // One call at a time owns the scratch set; a concurrent caller gets a fresh one (rare, and
    // only then does it allocate).
    private ConvScratch RentConvScratch()
    {
        var scratch = Interlocked.Exchange(ref _convScratch, null) ?? new ConvScratch();
        scratch.FilterTransforms.BudgetFloats = WinogradFilterCacheBytes / sizeof(float);
        return scratch;
    }

    /// <summary>
    /// How much memory may keep transformed Winograd filters from call to call, so the iterations of
    /// an attack transform each filter once per weight version (filters are recognised by their
    /// contents; at most four per filter shape; default 512 MiB, ResNet-18 at 32×32 uses about that
    /// much when all its shapes fill their slots). 0 transforms every call, as before.
    /// </summary>
    public long WinogradFilterCacheBytes { get; set; } = 512L << 20;

    /// <summary>Winograd calls that found their transformed filter kept, and that transformed it (for tests).</summary>
    internal (long Hits, long Misses) WinogradFilterReuse
    {
        get
        {
            var scratch = Volatile.Read(ref _convScratch);
            return scratch is null ? default : (scratch.FilterTransforms.Hits, scratch.FilterTransforms.Misses);
        }
    }

    private void ReturnConvScratch(ConvScratch scratch) => Volatile.Write(ref _convScratch, scratch);

    /// <summary>
    /// y by implicit GEMM over groups of images (see the class remarks), its panels packed from the
    /// images or, with <paramref name="padded"/>, from zero-padded column-phase-split copies made
    /// first (<see cref="PaddedPanels"/>: contiguous copies where a strided layer's packing gathers).
    /// </summary>
    private static unsafe void GemmForward(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch, bool padded = false)
    {
        float* packedW = PackedGemmFilter(g, w, scratch);
        // With W packed once for all groups, groups of half as many columns measured faster
        // (interleaved, on a quiet machine: the stride-2 3×3 layers of r18-b32 1–11 %, the 512-channel
        // one most, its batch then two groups, one per core, where one group shared every GEMM).
        int group = GroupSize(g, packedW != null ? GroupColumns / 2 : GroupColumns);
        var work = new ForwardGroup { G = g, X = x, W = w, PackedW = packedW, Bias = bias, Epilogue = epilogue, Y = y };
        if (padded)
        {
            work.Layout = new PaddedLayout(g);
            work.Padded = scratch.PaddedImages(work.Layout.ImageSize * g.N);
            work.TapOffsets = scratch.TapOffsets(g.C * g.R * g.S);
            DirectConvolution.FillTapOffsets(work.Layout, work.TapOffsets);
            CpuParallel.For(g.N, new DirectConvolution.PadImages { Layout = work.Layout, X = x, Padded = work.Padded });
        }
        ForEachGroup(g.N, group, group == 1 ? 0 : (long)g.K * group * g.OutH * g.OutW, scratch, work);
    }

    /// <summary>
    /// A 3×3 filter W (K × C·9) packed whole as the forward GEMM's A and kept from call to call with
    /// the Winograd filters, so an attack's iterations pack it once per weight version; null for other
    /// filters (the GEMM packs them as it goes). Unpacked, every worker packs all of W for its strip of
    /// every call, a float at a time (strided), for as few as eight micro-kernel calls per packed panel
    /// (the 512-channel layer). Interleaved in one process under load, gemm and gemm-padded measured
    /// 6–27 % faster this way on the stride-2 3×3 layers of r18-b32 (median of three runs per layer). The data gradient's Wᵀ packs as
    /// contiguous runs, and kept whole it measured no faster.
    /// </summary>
    private static unsafe float* PackedGemmFilter(in ConvGeometry g, float* w, ConvScratch scratch)
    {
        if (g.R != 3 || g.S != 3) return null;
        int taps = g.C * 9;
        long size = Sgemm.PackedASize(g.K, taps);
        float* packed = scratch.FilterTransforms.Find(g, w, WinogradFilterCache.FilterForm.GemmPanels, size, out bool pack);
        if (packed == null) packed = scratch.PackedFilter(size);
        if (pack) Sgemm.PackA(false, g.K, taps, w, taps, packed);
        return packed;
    }

    /// <summary>Images per GEMM: enough for <paramref name="columns"/> (by default <see cref="GroupColumns"/>) columns, at most the batch.</summary>
    private static int GroupSize(in ConvGeometry g, int columns = GroupColumns) => Math.Clamp(columns / (g.OutH * g.OutW), 1, g.N);

    /// <summary>The data gradient of a stride-1 convolution as a forward convolution of dy (see the class remarks).</summary>
    private static ConvGeometry TransposedGeometry(in ConvGeometry g) =>
        new(g.N, g.K, g.OutH, g.OutW, g.C, g.R, g.S, 1, 1, g.R - 1 - g.PadH, g.S - 1 - g.PadW);

    /// <summary>flipped[c, k, r, s] = w[k, c, R−1−r, S−1−s].</summary>
    private static unsafe void FlipFilter(in ConvGeometry g, float* w, float* flipped)
    {
        int taps = g.R * g.S;
        for (int k = 0; k < g.K; k++)
        {
            for (int c = 0; c < g.C; c++)
            {
                float* src = w + ((long)k * g.C + c) * taps;
                float* dst = flipped + ((long)c * g.K + k) * taps;
                for (int t = 0; t < taps; t++) dst[t] = src[taps - 1 - t];
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> for every group of <paramref name="group"/> images (the last may
    /// hold fewer): in parallel,
    /// each worker with its own scratch of <paramref name="scratchLength"/> floats and
    /// single-threaded GEMMs, or — with fewer groups than workers — group after group with
    /// multi-threaded GEMMs.
    /// </summary>
    internal static unsafe void ForEachGroup<TWork>(int images, int group, long scratchLength, ConvScratch scratch, TWork work)
        where TWork : struct, IConvGroupWork
    {
        int groups = (images + group - 1) / group;
        int workers = CpuParallel.WorkerCount;
        if (groups < workers || workers == 1)
        {
            scratch.EnsureColumns(1, scratchLength);
            float* own = scratch.Columns(0);
            for (int i = 0; i < groups; i++) RunGroup(ref work, i, group, images, own, parallelGemm: true);
            return;
        }
        scratch.EnsureColumns(workers, scratchLength);
        int next = 0;
        CpuParallel.For(workers, new GroupsOverWorkers<TWork> { Work = work, Scratch = scratch, Next = &next, Groups = groups, Group = group, Images = images });
    }

    /// <summary>Group <paramref name="index"/>'s images, [index·group, …) clipped to the batch, handed to <paramref name="work"/>.</summary>
    private static unsafe void RunGroup<TWork>(ref TWork work, int index, int group, int images, float* scratch, bool parallelGemm)
        where TWork : struct, IConvGroupWork
    {
        int first = index * group;
        work.Run(first, Math.Min(group, images - first), scratch, parallelGemm);
    }

    internal unsafe interface IConvGroupWork
    {
        /// <summary>Images [first, first + count) of the batch, in the running worker's own <paramref name="scratch"/>.</summary>
        void Run(int first, int count, float* scratch, bool parallelGemm);
    }

    /// <summary>Worker w takes groups from a shared counter (dynamic balance) and works in its own scratch.</summary>
    private unsafe struct GroupsOverWorkers<TWork> : IParallelWork where TWork : struct, IConvGroupWork
    {
        public TWork Work;
        public ConvScratch Scratch;
        public int* Next;
        public int Groups, Group, Images;

        public void Execute(int worker)
        {
            float* own = Scratch.Columns(worker);
            int i;
            while ((i = Interlocked.Increment(ref *Next) - 1) < Groups) RunGroup(ref Work, i, Group, Images, own, parallelGemm: false);
        }
    }

    /// <summary>
    /// y for a group of images: one GEMM over the group's implicit column matrix; a single image
    /// is written in place, a group goes through the (K, count·P) scratch and is scattered to NCHW.
    /// </summary>
    private unsafe struct ForwardGroup : IConvGroupWork
    {
        public ConvGeometry G;
        public float* X, W, Bias, Y;
        public ConvEpilogue Epilogue;

        /// <summary>W packed whole (<see cref="PackedGemmFilter"/>), or null to pack it in the GEMM.</summary>
        public float* PackedW;

        /// <summary>The padded copies of the whole batch and each tap's offset in them, or null to pack from X.</summary>
        public float* Padded;
        public int* TapOffsets;
        public PaddedLayout Layout;

        public readonly void Run(int first, int count, float* scratch, bool parallelGemm)
        {
            if (Padded != null) Multiply(new PaddedPanels(Layout, Padded + first * Layout.ImageSize, TapOffsets), first, count, scratch, parallelGemm);
            else Multiply(new Im2ColPanels(G, X + first * ((long)G.C * G.H * G.W)), first, count, scratch, parallelGemm);
        }

        private readonly void Multiply<TSource>(TSource source, int first, int count, float* scratch, bool parallelGemm) where TSource : struct, IPanelSource
        {
            int planes = G.OutH * G.OutW;
            long outputSize = (long)G.K * planes;
            if (count == 1)
            {
                Product(source, planes, Y + first * outputSize, planes, parallelGemm);
                for (int k = 0; k < G.K; k++) Epilogue.Apply(Y, first * outputSize + (long)k * planes, planes, Bias == null ? null : Bias + k);
                return;
            }
            int ld = count * planes;
            Product(source, ld, scratch, ld, parallelGemm);
            // Each plane out of scratch with its bias and the stage in one pass.
            for (int i = 0; i < count; i++)
            {
                for (int k = 0; k < G.K; k++)
                {
                    Epilogue.ApplyFrom(scratch + (long)k * ld + (long)i * planes, Y, (first + i) * outputSize + (long)k * planes, planes, Bias == null ? null : Bias + k);
                }
            }
        }

        /// <summary>C (K × columns) = W · B.</summary>
        private readonly void Product<TSource>(TSource source, int columns, float* c, int ldc, bool parallelGemm) where TSource : struct, IPanelSource
        {
            int taps = G.C * G.R * G.S;
            if (PackedW != null) Sgemm.RunPacked(G.K, columns, taps, PackedW, source, c, ldc, parallelGemm);
            else Sgemm.Run(false, G.K, columns, taps, 1f, W, taps, source, 0f, c, ldc, parallelGemm);
        }
    }

    /// <summary>
    /// dx for a group of images of a strided convolution: dcol = Wᵀ · dy_group in scratch, then
    /// Col2Im per image, or for a strided 1×1 with <see cref="Spread"/> the planes spread straight
    /// into dx (<see cref="StridedPointwise.Spread"/>).
    /// </summary>
    private unsafe struct BackwardDataGroup : IConvGroupWork
    {
        public ConvGeometry G;
        public float* Dy, W, Dx;
        public ConvEpilogue Epilogue;
        public bool Spread;

        public readonly void Run(int first, int count, float* scratch, bool parallelGemm)
        {
            int planes = G.OutH * G.OutW;
            int taps = G.C * G.R * G.S;
            int ld = count * planes;
            var source = new PlanePanels(Dy + first * ((long)G.K * planes), G.K, planes);
            Sgemm.Run(true, taps, ld, G.K, 1f, W, taps, source, 0f, scratch, ld, parallelGemm);
            if (Spread)
            {
                // Inside a worker (one group each) this runs inline; a lone group spreads it over the workers.
                CpuParallel.For(count, new StridedPointwise.Spread { G = G, Gradient = scratch, Dx = Dx, First = first, Ld = ld, Epilogue = Epilogue });
                return;
            }
            long imageSize = (long)G.C * G.H * G.W;
            for (int i = 0; i < count; i++)
            {
                float* dxn = Dx + (first + i) * imageSize;
                new Span<float>(dxn, (int)imageSize).Clear();
                Im2Col.Accumulate(G, scratch + (long)i * planes, ld, dxn);
                Epilogue.Apply(Dx, (first + i) * imageSize, (int)imageSize);
            }
        }
    }

    /// <summary>Lowers image First+i into columns [i·P, (i+1)·P) of the wide matrices (row stride Ld).</summary>
    private unsafe struct PackGroup : IParallelWork
    {
        public ConvGeometry G;
        public float* X, Dy, Cols, Grads;
        public int First, Ld;

        public readonly void Execute(int i)
        {
            int n = First + i;
            int planes = G.OutH * G.OutW;
            Im2Col.Pack(G, X + (long)n * G.C * G.H * G.W, Cols + (long)i * planes, Ld);
            float* dyn = Dy + (long)n * G.K * planes;
            for (int k = 0; k < G.K; k++)
            {
                new ReadOnlySpan<float>(dyn + (long)k * planes, planes).CopyTo(new Span<float>(Grads + (long)k * Ld + (long)i * planes, planes));
            }
        }
    }
}
