// The three instantiations of the one micro-kernel this GEMM runs (see GemmKernel).
using MicroKernelAvx512 = AutoLoRa.Cpu.Gemm.MicroKernel<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows>;
using MicroKernelAvx2 = AutoLoRa.Cpu.Gemm.MicroKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.SixRows>;
using MicroKernelPortable = AutoLoRa.Cpu.Gemm.MicroKernel<System.Runtime.Intrinsics.Vector128<float>, AutoLoRa.Cpu.Simd.Vector128Ops, AutoLoRa.Cpu.Simd.FourRows>;
using MicroKernelAvx2Tail = AutoLoRa.Cpu.Gemm.MicroKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.FourRows>;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>Which micro-kernel (and so which tile shape) <see cref="Sgemm"/> runs.</summary>
public enum GemmKernel
{
    /// <summary>128-bit vectors, 4×8 tiles; runs everywhere.</summary>
    Portable,

    /// <summary>AVX2 + FMA, 6×16 tiles.</summary>
    Avx2,

    /// <summary>AVX-512F, 8×32 tiles.</summary>
    Avx512,
}

/// <summary>
/// Single-precision row-major GEMM on raw host pointers, blocked in the Goto/BLIS way:
/// <code>
/// for jc over n in NC columns          (the packed B block, kc×NC, stays in L2)
///   for pc over k in KC steps          (beta is applied on the first step only)
///     pack op(B)[pc, jc] into NR-wide micro-panels
///     for ir over m in MR rows
///       pack op(A)[ir, pc] into one MR-wide micro-panel  (stays in L1 for the sweep below)
///       for jr over the block in NR columns: micro-kernel on the MR×NR tile of C
/// </code>
/// In parallel, C is cut into one strip per worker (along n, or along m when n is narrow) and each
/// worker runs the loop above on its strip with its own scratch; strips never share a line of C.
/// </summary>
public static unsafe class Sgemm
{
    // Depth of one packed block: kc × NR floats of B micro-panel per kernel call (32 KiB at 256×32).
    internal const int KC = 256;

    // Columns per packed B block: KC × NC floats = 512 KiB, half of a Zen 4 / Ice Lake L2.
    internal const int NC = 512;

    // Below this many multiply-adds the wake-up of the pool costs more than it saves.
    private const long ParallelThreshold = 1L << 19;

    /// <summary>The fastest kernel this CPU runs.</summary>
    public static GemmKernel BestKernel { get; } =
        MicroKernelAvx512.IsSupported ? GemmKernel.Avx512
        : MicroKernelAvx2.IsSupported ? GemmKernel.Avx2
        : GemmKernel.Portable;

    /// <summary>
    /// C = alpha · op(A) · op(B) + beta · C, row-major, op(A) m×k, op(B) k×n. With beta = 0, C is
    /// not read. <paramref name="parallel"/> false keeps the call on the calling thread (for
    /// callers that already parallelise, such as convolution over the batch).
    /// </summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool parallel = true) =>
        Run(KernelFor(n), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, parallel);

    /// <summary>
    /// C = op(A) · op(B) + 1·biasᵀ, row-major: a linear layer's x·Wᵀ + b with the bias added to
    /// each block of C while it is still in L1 after its last K step, instead of in a second pass
    /// over the whole of C. <paramref name="bias"/> holds n values, one per column.
    /// </summary>
    public static void RunWithBias(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* bias, float* c, int ldc, bool parallel = true)
    {
        ArgumentNullException.ThrowIfNull(bias);
        Run(KernelFor(n), transA, m, n, k, 1f, a, lda, new MatrixPanels(transB, b, ldb), 0f, c, ldc, parallel, bias);
    }

    /// <summary>
    /// The best kernel, except that a C at most 16 columns wide would leave half of every 32-wide
    /// AVX-512 tile empty; the 16-wide AVX2 tile wastes nothing there (late ResNet stages, n = 4×4).
    /// </summary>
    private static GemmKernel KernelFor(int n) =>
        BestKernel == GemmKernel.Avx512 && n <= MicroKernelAvx2.Nr && MicroKernelAvx2.IsSupported ? GemmKernel.Avx2 : BestKernel;

    /// <summary>
    /// <see cref="Run(bool, bool, int, int, int, float, float*, int, float*, int, float, float*, int, bool)"/> with a
    /// chosen kernel (tests cover every path this way). A kernel whose vectors this CPU lacks still runs, slowly:
    /// .NET computes Vector512 and Vector256 in software there, so the AVX-512 tiles are checked on every machine.
    /// </summary>
    internal static void Run(GemmKernel kernel, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool parallel = true) =>
        Run(kernel, transA, m, n, k, alpha, a, lda, new MatrixPanels(transB, b, ldb), beta, c, ldc, parallel);

    /// <summary>
    /// C = alpha · op(A) · B + beta · C with B (k×n) delivered by <paramref name="source"/>, which is
    /// asked for each block of B exactly once per call (and, in parallel, by the worker whose strip
    /// of C it belongs to).
    /// </summary>
    internal static void Run<TSource>(bool transA, int m, int n, int k, float alpha, float* a, int lda,
        TSource source, float beta, float* c, int ldc, bool parallel = true) where TSource : struct, IPanelSource =>
        Run(KernelFor(n), transA, m, n, k, alpha, a, lda, source, beta, c, ldc, parallel);

    /// <summary>Floats of op(A) (m×k) packed whole by <see cref="PackA"/>: every KC-deep block of it in <see cref="BestKernel"/>'s micro-panels.</summary>
    internal static long PackedASize(int m, int k) => (long)RoundUp(m, TileOf(BestKernel).Mr) * k;

    /// <summary>
    /// Packs all of op(A) (m×k) into <paramref name="dst"/> (<see cref="PackedASize"/> floats) as the
    /// blocked loop reads it — block pc's micro-panel of rows [ir, ir + MR) at pc·roundup(m, MR) + ir·kc —
    /// so that a filter multiplied many times is packed once (<see cref="RunPacked"/>), where every call
    /// repacks it, and in parallel every worker repacks all of it, for its own strip of C.
    /// </summary>
    internal static void PackA(bool transA, int m, int k, float* a, int lda, float* dst, bool parallel = true)
    {
        int mr = TileOf(BestKernel).Mr;
        var work = new PackPanels { TransA = transA, M = m, K = k, A = a, Lda = lda, Dst = dst, Mr = mr };
        int panels = (m + mr - 1) / mr;
        if (parallel) CpuParallel.For(panels, work);
        else for (int i = 0; i < panels; i++) work.Execute(i);
    }

    /// <summary>
    /// C = A · B with A already packed whole by <see cref="PackA"/> (so run by <see cref="BestKernel"/>,
    /// even for a C at most 16 columns wide) and B delivered by <paramref name="source"/>; C is not read.
    /// </summary>
    internal static void RunPacked<TSource>(int m, int n, int k, float* packedA, TSource source, float* c, int ldc, bool parallel = true)
        where TSource : struct, IPanelSource
    {
        ArgumentNullException.ThrowIfNull(packedA);
        Run(BestKernel, false, m, n, k, 1f, null, 0, source, 0f, c, ldc, parallel, packedA: packedA);
    }

    /// <summary>Item i: the micro-panels of rows [i·Mr, …) of op(A) in every KC block (see <see cref="PackA"/>).</summary>
    private struct PackPanels : IParallelWork
    {
        public bool TransA;
        public int M, K, Lda, Mr;
        public float* A, Dst;

        public readonly void Execute(int item)
        {
            int ir = item * Mr, rows = Math.Min(Mr, M - ir);
            long rowsPadded = RoundUp(M, Mr);
            for (int pc = 0; pc < K; pc += KC)
            {
                int kc = Math.Min(KC, K - pc);
                Packing.PackA(TransA, A, Lda, ir, rows, pc, kc, Mr, Dst + pc * rowsPadded + (long)ir * kc);
            }
        }
    }

    private static void Run<TSource>(GemmKernel kernel, bool transA, int m, int n, int k, float alpha, float* a, int lda,
        TSource source, float beta, float* c, int ldc, bool parallel, float* bias = null, float* packedA = null) where TSource : struct, IPanelSource
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;

        if (k == 0 || alpha == 0)
        {
            // Nothing to multiply: C = beta · C (BLAS semantics: A and B are not read).
            ScaleC(m, n, beta, c, ldc);
            if (bias != null) AddBias(m, n, bias, c, ldc);
            return;
        }

        var job = new Problem<TSource>(kernel, transA, m, n, k, alpha, a, lda, source, 0, beta, c, ldc, bias, packedA, 0, RoundUp(m, TileOf(kernel).Mr));
        int workers = CpuParallel.WorkerCount;
        if (!parallel || workers == 1 || (long)m * n * k < ParallelThreshold)
        {
            job.Compute();
            return;
        }

        // The caller's scratch is made by its first parallel call even when the workers take every
        // strip of it, so a later call in which the caller does run a strip allocates nothing.
        _ = GemmScratch.Current;
        var (mr, nr) = TileOf(kernel);
        var strips = new Strips<TSource>(job, workers, mr, nr);
        if (strips.Count <= 1) job.Compute();
        else CpuParallel.For(strips.Count, strips);
    }

    internal static (int Mr, int Nr) TileOf(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => (MicroKernelAvx512.Mr, MicroKernelAvx512.Nr),
        GemmKernel.Avx2 => (MicroKernelAvx2.Mr, MicroKernelAvx2.Nr),
        _ => (MicroKernelPortable.Mr, MicroKernelPortable.Nr),
    };

    /// <summary>C[i, 0..n) += bias for each of the m rows.</summary>
    private static void AddBias(int m, int n, float* bias, float* c, int ldc)
    {
        var b = new ReadOnlySpan<float>(bias, n);
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            System.Numerics.Tensors.TensorPrimitives.Add(row, b, row);
        }
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>
    /// One GEMM (or one strip of it), with everything the blocked loop needs; column j of this
    /// problem is column J0 + j of the source, and its bias (when not null) is Bias[j]. With
    /// <see cref="PackedA"/> (not null) A is that whole packed matrix (<see cref="PackA"/>, of
    /// <see cref="PackedRows"/> padded rows) and this problem's row i is its row PackedRow0 + i.
    /// </summary>
    private readonly struct Problem<TSource>(GemmKernel kernel, bool transA, int m, int n, int k, float alpha,
        float* a, int lda, TSource source, int j0, float beta, float* c, int ldc, float* bias,
        float* packedA, int packedRow0, int packedRows) where TSource : struct, IPanelSource
    {
        public readonly float* PackedA = packedA;
        public readonly int PackedRow0 = packedRow0, PackedRows = packedRows;
        public readonly GemmKernel Kernel = kernel;
        public readonly bool TransA = transA;
        public readonly int M = m, N = n, K = k;
        public readonly float Alpha = alpha, Beta = beta;
        public readonly float* A = a, C = c, Bias = bias;
        public readonly TSource Source = source;
        public readonly int J0 = j0;
        public readonly int Lda = lda, Ldc = ldc;

        /// <summary>The rows [i0, i1) of C: op(A) moves down, B stays.</summary>
        public Problem<TSource> Rows(int i0, int i1) => new(Kernel, TransA, i1 - i0, N, K, Alpha,
            TransA ? A + i0 : A + (long)i0 * Lda, Lda, Source, J0, Beta, C + (long)i0 * Ldc, Ldc, Bias, PackedA, PackedRow0 + i0, PackedRows);

        /// <summary>The columns [j0, j1) of C: B moves right, op(A) stays.</summary>
        public Problem<TSource> Columns(int j0, int j1) => new(Kernel, TransA, M, j1 - j0, K, Alpha,
            A, Lda, Source, J0 + j0, Beta, C + j0, Ldc, Bias == null ? null : Bias + j0, PackedA, PackedRow0, PackedRows);

        /// <summary>The whole blocked loop on the calling thread.</summary>
        public void Compute()
        {
            var (mr, nr) = TileOf(Kernel);
            var scratch = GemmScratch.Current;
            int ncMax = Math.Min(NC, RoundUp(N, nr));
            int kcMax = Math.Min(KC, K);
            float* packedB = scratch.B((nuint)(kcMax * ncMax));
            float* packedA = PackedA != null ? null : scratch.A((nuint)(kcMax * mr));
            // Edge tiles are computed into this buffer and then merged, so the kernels only ever
            // see full tiles (largest tile: 8×32).
            float* edge = stackalloc float[8 * 32];

            for (int jc = 0; jc < N; jc += NC)
            {
                int nc = Math.Min(NC, N - jc);
                for (int pc = 0; pc < K; pc += KC)
                {
                    int kc = Math.Min(KC, K - pc);
                    float beta = pc == 0 ? Beta : 1f;
                    Source.Pack(pc, kc, J0 + jc, nc, nr, packedB);

                    for (int ir = 0; ir < M; ir += mr)
                    {
                        int rows = Math.Min(mr, M - ir);
                        float* panelA = packedA;
                        if (PackedA != null) panelA = PackedA + (long)pc * PackedRows + (long)(PackedRow0 + ir) * kc;
                        else Packing.PackA(TransA, A, Lda, ir, rows, pc, kc, mr, packedA);
                        float* cRow = C + (long)ir * Ldc + jc;

                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            float* panelB = packedB + (long)jr * kc;
                            if (rows == mr && cols == nr)
                            {
                                RunKernel(Kernel, kc, panelA, panelB, cRow + jr, Ldc, Alpha, beta);
                            }
                            else if (Kernel == GemmKernel.Avx2 && rows <= MicroKernelAvx2Tail.Mr)
                            {
                                // A short last micro-panel: 4 rows multiplied, not 6 (a 16- or 64-row C
                                // took 11 or 3 % longer per useful FLOP than an 18- or 66-row one).
                                if (rows == MicroKernelAvx2Tail.Mr && cols == nr)
                                {
                                    MicroKernelAvx2Tail.KernelOnWiderPanel(kc, panelA, mr, panelB, cRow + jr, Ldc, Alpha, beta);
                                }
                                else
                                {
                                    MicroKernelAvx2Tail.KernelOnWiderPanel(kc, panelA, mr, panelB, edge, nr, 1f, 0f);
                                    MergeEdge(edge, nr, rows, cols, cRow + jr, Ldc, Alpha, beta);
                                }
                            }
                            else
                            {
                                RunKernel(Kernel, kc, panelA, panelB, edge, nr, 1f, 0f);
                                MergeEdge(edge, nr, rows, cols, cRow + jr, Ldc, Alpha, beta);
                            }
                        }
                        // The epilogue: these rows × nc columns of C are final after the last K
                        // step and were just written, so adding the bias reads them from L1.
                        if (Bias != null && pc + kc == K) AddBias(rows, nc, Bias + jc, cRow, Ldc);
                    }
                }
            }
        }

        private static void RunKernel(GemmKernel kernel, int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
        {
            switch (kernel)
            {
                case GemmKernel.Avx512: MicroKernelAvx512.Kernel(kc, a, b, c, ldc, alpha, beta); break;
                case GemmKernel.Avx2: MicroKernelAvx2.Kernel(kc, a, b, c, ldc, alpha, beta); break;
                default: MicroKernelPortable.Kernel(kc, a, b, c, ldc, alpha, beta); break;
            }
        }

        private static void MergeEdge(float* tile, int ldt, int rows, int cols, float* c, int ldc, float alpha, float beta)
        {
            for (int r = 0; r < rows; r++)
            {
                float* t = tile + r * ldt;
                float* d = c + (long)r * ldc;
                if (beta == 0) for (int j = 0; j < cols; j++) d[j] = alpha * t[j];
                else for (int j = 0; j < cols; j++) d[j] = alpha * t[j] + beta * d[j];
            }
        }
    }

    /// <summary>
    /// Cuts C into one strip per worker, along n in whole NR tiles when n is wide enough (and, for a
    /// stored B, not narrower than m), otherwise along m in whole MR tiles, so strips share no tile
    /// (and no packed panel) of C.
    /// </summary>
    private readonly struct Strips<TSource> : IParallelWork where TSource : struct, IPanelSource
    {
        private readonly Problem<TSource> _problem;
        private readonly bool _alongN;
        private readonly int _step;
        private readonly int _extent;

        public Strips(Problem<TSource> problem, int workers, int mr, int nr)
        {
            _problem = problem;
            int nTiles = (problem.N + nr - 1) / nr;
            int mTiles = (problem.M + mr - 1) / mr;
            // Each worker packs the whole of the operand that is not cut: all of op(A) (m·k) when
            // cutting along n, all of B (k·n) when cutting along m. For a stored B, cut so that the
            // smaller one is the one repacked: a linear layer's tall C (rows ≫ features) along m.
            // A convolution's B is gathered from images, dearer per element, so it keeps the n cut.
            bool tall = typeof(TSource) == typeof(MatrixPanels) && problem.M > problem.N && mTiles >= workers;
            _alongN = !tall && (nTiles >= workers || nTiles >= mTiles);
            int tiles = _alongN ? nTiles : mTiles;
            int tile = _alongN ? nr : mr;
            int parts = Math.Min(workers, tiles);
            _step = (tiles + parts - 1) / parts * tile;
            _extent = _alongN ? problem.N : problem.M;
            Count = (_extent + _step - 1) / _step;
        }

        public int Count { get; }

        public void Execute(int index)
        {
            int start = index * _step;
            int end = Math.Min(_extent, start + _step);
            if (_alongN) _problem.Columns(start, end).Compute();
            else _problem.Rows(start, end).Compute();
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
