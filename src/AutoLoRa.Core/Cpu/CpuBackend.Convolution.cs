using System.Numerics.Tensors;
using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Cpu.Convolution;
using AutoLoRa.Core.Cpu.Gemm;

namespace AutoLoRa.Core.Cpu;

/// <summary>
/// Convolution as im2col + GEMM. Per image, with col = Im2Col(x) of shape (C·R·S, P), P = OutH·OutW:
/// <code>
///   forward          y  (K, P)      = W (K, C·R·S) · col
///   backward data    dcol (C·R·S, P) = Wᵀ · dy, then dx = Col2Im(dcol)
///   backward filter  dW (K, C·R·S)  = Σ_n dy_n · col_nᵀ
/// </code>
/// A 1×1, stride-1, unpadded convolution needs no lowering: its column matrix is the input plane
/// itself, so the GEMM reads x (or writes dx) directly.
/// <para>
/// Forward and backward-data run images in parallel, each worker with its own column matrix and a
/// single-threaded GEMM; when the batch is smaller than the worker count the images run in turn and
/// the GEMM parallelises itself. The filter gradient lays a group of images side by side
/// (col of shape (C·R·S, G·P), dy of shape (K, G·P)) and makes one multi-threaded GEMM per group,
/// accumulating into dW: its inner dimension G·P is long even for the 4×4 layers, nothing races
/// and no per-worker partial gradients need reducing.
/// </para>
/// </summary>
public sealed partial class CpuBackend
{
    private ConvScratch? _convScratch = new();

    /// <summary>
    /// Upper bound, in floats, of the side-by-side column matrix of the filter gradient; decides how
    /// many images share one GEMM. 4 Mi floats (16 MiB) lets a whole batch of 32 share one GEMM from
    /// 16×16 layers down. Settable so tests can force several groups.
    /// </summary>
    internal long ConvWideColumnBudget { get; set; } = 1L << 22;

    /// <summary>Scratch arrays the convolution primitives have allocated so far (zero growth in steady state).</summary>
    internal long ConvScratchAllocations => Volatile.Read(ref _convScratch)?.Allocations ?? 0;

    public unsafe void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y)
    {
        PrimitiveChecks.Conv2dForward(g, x, w, bias, y);
        CheckColumns(nameof(Conv2dForward), g);
        var scratch = RentConvScratch();
        try
        {
            fixed (float* px = Floats(x), pw = Floats(w), py = Floats(y), pb = bias is null ? null : Floats(bias))
            {
                var work = new ForwardImage { G = g, Direct = IsDirect(g), X = px, W = pw, Bias = pb, Y = py };
                ForEachImage(g.N, work.Direct ? 0 : ColumnLength(g), scratch, work);
            }
        }
        finally
        {
            ReturnConvScratch(scratch);
        }
    }

    public unsafe void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        PrimitiveChecks.Conv2dBackwardData(g, dy, w, dx);
        CheckColumns(nameof(Conv2dBackwardData), g);
        var scratch = RentConvScratch();
        try
        {
            fixed (float* pdy = Floats(dy), pw = Floats(w), pdx = Floats(dx))
            {
                var work = new BackwardDataImage { G = g, Direct = IsDirect(g), Dy = pdy, W = pw, Dx = pdx };
                ForEachImage(g.N, work.Direct ? 0 : ColumnLength(g), scratch, work);
            }
        }
        finally
        {
            ReturnConvScratch(scratch);
        }
    }

    public unsafe void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        PrimitiveChecks.Conv2dBackwardFilter(g, x, dy, dw);
        CheckColumns(nameof(Conv2dBackwardFilter), g);
        int planes = g.OutH * g.OutW;
        int taps = g.C * g.R * g.S;
        long imageSize = (long)g.C * g.H * g.W;
        long outputSize = (long)g.K * planes;
        fixed (float* px = Floats(x), pdy = Floats(dy), pdw = Floats(dw))
        {
            if (IsDirect(g))
            {
                // dW (K, C) += dy_n (K, HW) · x_nᵀ (HW, C): the input plane is already the column matrix.
                for (int n = 0; n < g.N; n++)
                {
                    Sgemm.Run(false, true, g.K, g.C, planes, 1f, pdy + n * outputSize, planes,
                        px + n * imageSize, planes, n == 0 ? 0f : 1f, pdw, g.C, parallel: true);
                }
                return;
            }

            long perImage = (long)taps * planes;
            int group = (int)Math.Clamp(ConvWideColumnBudget / perImage, 1, g.N);
            var scratch = RentConvScratch();
            try
            {
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
            finally
            {
                ReturnConvScratch(scratch);
            }
        }
    }

    private static bool IsDirect(in ConvGeometry g) =>
        g.R == 1 && g.S == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    private static long ColumnLength(in ConvGeometry g) => (long)g.C * g.R * g.S * g.OutH * g.OutW;

    /// <summary>im2col's own limit, on top of the shared checks: the column matrix of one image must fit an array.</summary>
    private static void CheckColumns(string op, in ConvGeometry g) => PrimitiveChecks.Count(op, g, g.C * g.R, g.S, g.OutH, g.OutW);

    // One call at a time owns the scratch set; a concurrent caller gets a fresh one (rare, and
    // only then does it allocate).
    private ConvScratch RentConvScratch() => Interlocked.Exchange(ref _convScratch, null) ?? new ConvScratch();

    private void ReturnConvScratch(ConvScratch scratch) => Volatile.Write(ref _convScratch, scratch);

    /// <summary>
    /// Runs <paramref name="work"/> for every image: in parallel over the batch with one column
    /// matrix per worker and single-threaded GEMMs, or — for a batch smaller than the worker count —
    /// image after image with multi-threaded GEMMs.
    /// </summary>
    private static unsafe void ForEachImage<TWork>(int images, long columnLength, ConvScratch scratch, TWork work)
        where TWork : struct, IConvImageWork
    {
        int workers = CpuParallel.WorkerCount;
        if (images < workers || workers == 1)
        {
            scratch.EnsureColumns(1, columnLength);
            float* columns = scratch.Columns(0);
            for (int n = 0; n < images; n++) work.Run(n, columns, parallelGemm: true);
            return;
        }
        scratch.EnsureColumns(workers, columnLength);
        int next = 0;
        CpuParallel.For(workers, new BatchOverWorkers<TWork> { Work = work, Scratch = scratch, Next = &next, Images = images });
    }

    private unsafe interface IConvImageWork
    {
        void Run(int image, float* columns, bool parallelGemm);
    }

    /// <summary>Worker w takes images from a shared counter (dynamic balance) and lowers them into its own column matrix.</summary>
    private unsafe struct BatchOverWorkers<TWork> : IParallelWork where TWork : struct, IConvImageWork
    {
        public TWork Work;
        public ConvScratch Scratch;
        public int* Next;
        public int Images;

        public void Execute(int worker)
        {
            float* columns = Scratch.Columns(worker);
            int n;
            while ((n = Interlocked.Increment(ref *Next) - 1) < Images) Work.Run(n, columns, parallelGemm: false);
        }
    }

    private unsafe struct ForwardImage : IConvImageWork
    {
        public ConvGeometry G;
        public bool Direct;
        public float* X, W, Bias, Y;

        public readonly void Run(int n, float* columns, bool parallelGemm)
        {
            int planes = G.OutH * G.OutW;
            int taps = G.C * G.R * G.S;
            float* xn = X + (long)n * G.C * G.H * G.W;
            float* yn = Y + (long)n * G.K * planes;
            float* b = xn;
            if (!Direct)
            {
                Im2Col.Pack(G, xn, columns, planes);
                b = columns;
            }
            Sgemm.Run(false, false, G.K, planes, taps, 1f, W, taps, b, planes, 0f, yn, planes, parallelGemm);
            if (Bias != null)
            {
                for (int k = 0; k < G.K; k++)
                {
                    var row = new Span<float>(yn + (long)k * planes, planes);
                    TensorPrimitives.Add(row, Bias[k], row);
                }
            }
        }
    }

    private unsafe struct BackwardDataImage : IConvImageWork
    {
        public ConvGeometry G;
        public bool Direct;
        public float* Dy, W, Dx;

        public readonly void Run(int n, float* columns, bool parallelGemm)
        {
            int planes = G.OutH * G.OutW;
            int taps = G.C * G.R * G.S;
            float* dyn = Dy + (long)n * G.K * planes;
            float* dxn = Dx + (long)n * G.C * G.H * G.W;
            if (Direct)
            {
                // dx_n (C, HW) = Wᵀ (C, K) · dy_n (K, HW)
                Sgemm.Run(true, false, G.C, planes, G.K, 1f, W, G.C, dyn, planes, 0f, dxn, planes, parallelGemm);
                return;
            }
            Sgemm.Run(true, false, taps, planes, G.K, 1f, W, taps, dyn, planes, 0f, columns, planes, parallelGemm);
            new Span<float>(dxn, G.C * G.H * G.W).Clear();
            Im2Col.Accumulate(G, columns, planes, dxn);
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
