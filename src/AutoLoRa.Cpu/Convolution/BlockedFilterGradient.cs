using System.Numerics.Tensors;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The filter gradient of any convolution as a GEMM over pixels on channel-blocked copies, the
/// layout oneDNN's backward-weights kernels work in:
/// <code>
///   dWᵀ[k][(c, tap)] = Σ_n Σ_pixels dy_n[k][pixel] · x_n[c][pixel · stride + tap]
/// </code>
/// Each worker takes shares of the batch in turn and, a chunk of images at a time (at least
/// <see cref="ChunkPixels"/> output pixels, so a tile's sums are added to memory rarely), copies
/// the chunk into its own scratch as (1) the zero-padded images in blocks of L = 16 input channels
/// (8 without AVX-512), [block][image][padded row][padded column][L], and (2) the output gradient
/// in blocks of 8 output channels (4), [block][pixel][8], then runs
/// <see cref="BlockedFilterKernel{TV, TOps, THeight, TWidth}"/> over every (column group, channel
/// block), where a column is one input-channel block at one tap: its vector for an output pixel
/// lies at a fixed offset from the pixel's origin, whatever the stride or padding. The copies cost
/// one pass over x and dy per call; every value in them then feeds K·R·S/L (x) or C·R·S/L (dy)
/// vector multiply-adds. Each share sums into its own partial dWᵀ; the partials are added in
/// share order and reordered to (K, C, R, S) at the end, so the result is the same on every run.
/// Channels past C and K are zeros in the copies (their sums are dropped), which makes every
/// shape valid.
/// </summary>
[SkipLocalsInit]
internal static unsafe class BlockedFilterGradient
{
    /// <summary>Output pixels a chunk of images covers at least (or the worker's whole share).</summary>
    private const int ChunkPixels = 256;

    /// <summary>Shares of the batch per worker, where their partials fit <see cref="PartialBudgetFloats"/>.</summary>
    private const int SharesPerWorker = 4;

    /// <summary>What the partials may take together (16 MiB) before fewer shares are cut (at least one per worker).</summary>
    private const long PartialBudgetFloats = 4L << 20;

    /// <summary>Whether this CPU has the vectors of either kernel (AVX-512, or AVX2 with FMA); any geometry then runs.</summary>
    public static bool Applies() => Vector512Ops.IsSupported || Vector256Ops.IsSupported;

    /// <summary>dW = Σ_n dy_n ⋆ x_n, overwriting <paramref name="dw"/>.</summary>
    public static void Compute(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch) =>
        Compute(g, x, dy, dw, scratch, avx512: Vector512Ops.IsSupported);

    /// <summary>
    /// <see cref="Compute(in ConvGeometry, float*, float*, float*, ConvScratch)"/> by the AVX-512
    /// kernel (16 lanes, 8-row tiles) or the AVX2 one (8 lanes, 4-row tiles), whichever
    /// <paramref name="avx512"/> names, so tests run the AVX2 kernel and its copies on AVX-512
    /// machines too.
    /// </summary>
    internal static void Compute(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch, bool avx512)
    {
        if (avx512) Blocked<Vector512<float>, Vector512Ops, EightRows>.Compute(g, x, dy, dw, scratch);
        else Blocked<Vector256<float>, Vector256Ops, FourRows>.Compute(g, x, dy, dw, scratch);
    }

    /// <summary>The sizes of one call's blocked copies, for lanes L and tile rows R.</summary>
    internal readonly struct Plan
    {
        public Plan(in ConvGeometry g, int lanes, int rows, int workers)
        {
            G = g;
            Lanes = lanes;
            Rows = rows;
            InputBlocks = (g.C + lanes - 1) / lanes;
            OutputBlocks = (g.K + rows - 1) / rows;
            Taps = g.R * g.S;
            Ld = (long)Taps * InputBlocks * lanes;
            // An unpadded 1×1 layer reads only pixels (oy·strideH, ox·strideW): its copy holds just
            // those (a quarter of a stride-2 image) and is swept as a stride-1 image.
            Subsampled = g.R == 1 && g.S == 1 && g.PadH == 0 && g.PadW == 0 && (g.StrideH > 1 || g.StrideW > 1);
            PaddedW = Subsampled ? g.OutW : g.W + 2 * g.PadW;
            PlaneFloats = (long)(Subsampled ? g.OutH : g.H + 2 * g.PadH) * PaddedW * lanes;
            RowStride = (long)(Subsampled ? 1 : g.StrideH) * PaddedW * lanes;
            Step = (Subsampled ? 1 : g.StrideW) * lanes;
            Pixels = g.OutH * g.OutW;
            // More shares than workers, taken first come: a core slowed by other work then runs fewer
            // shares instead of holding up the call; each share sums into its own partial, so the
            // result does not depend on which core ran it.
            long partialFloats = (long)OutputBlocks * rows * Ld;
            Shares = workers == 1 ? 1 : (int)Math.Clamp(Math.Min(SharesPerWorker * workers, PartialBudgetFloats / partialFloats), Math.Min(workers, g.N), g.N);
            Workers = Math.Min(workers, Shares);
            int share = (g.N + Shares - 1) / Shares;
            ChunkImages = Math.Clamp((ChunkPixels + Pixels - 1) / Pixels, 1, share);
        }

        public ConvGeometry G { get; }
        public int Lanes { get; }
        public int Rows { get; }
        public int InputBlocks { get; }
        public int OutputBlocks { get; }
        public int Taps { get; }

        /// <summary>Floats per row of a partial dWᵀ: one vector per (input block, tap).</summary>
        public long Ld { get; }

        /// <summary>Whether the copy holds only the pixels an unpadded strided 1×1 layer reads.</summary>
        public bool Subsampled { get; }

        /// <summary>Columns of a padded row of the copy.</summary>
        public int PaddedW { get; }

        /// <summary>Floats from one output row's origin in the copy to the next.</summary>
        public long RowStride { get; }

        /// <summary>Floats from one output pixel's origin in the copy to the next.</summary>
        public int Step { get; }

        /// <summary>Floats of one image's block of L channels, padded.</summary>
        public long PlaneFloats { get; }

        public int Pixels { get; }
        public int Workers { get; }

        /// <summary>Parts of the batch, each summed into its own partial dWᵀ.</summary>
        public int Shares { get; }
        public int ChunkImages { get; }

        /// <summary>Floats from one input block of a chunk copy to the next.</summary>
        public long InputBlockStride => ChunkImages * PlaneFloats;

        /// <summary>Floats from one output block of a chunk copy to the next.</summary>
        public long OutputBlockStride => (long)ChunkImages * Pixels * Rows;

        public long InputChunkFloats => InputBlocks * InputBlockStride;

        public long OutputChunkFloats => OutputBlocks * OutputBlockStride;

        public long PartialFloats => OutputBlocks * Rows * Ld;

        /// <summary>Where column j (input block j / Taps at tap j mod Taps) starts, relative to a pixel's origin.</summary>
        public long ColumnOffset(int j)
        {
            int block = j / Taps, tap = j % Taps;
            return block * InputBlockStride + ((long)(tap / G.S) * PaddedW + tap % G.S) * Lanes;
        }

        /// <summary>Images [begin, end) of the batch in share <paramref name="share"/>.</summary>
        public (int Begin, int End) Share(int share) => ((int)((long)G.N * share / Shares), (int)((long)G.N * (share + 1) / Shares));
    }

    private static class Blocked<TV, TOps, THeight>
        where TV : struct where TOps : IVectorOps<TV> where THeight : ITileHeight
    {
        private static int Lanes => Unsafe.SizeOf<TV>() / sizeof(float);

        public static void Compute(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch)
        {
            var plan = new Plan(g, Lanes, THeight.Rows, CpuParallel.WorkerCount);
            // 64 bytes of slack per copy so each can start on a cache line.
            long own = plan.InputChunkFloats + plan.OutputChunkFloats + 32;
            scratch.EnsureColumns(plan.Workers, own);
            float* partials = scratch.FilterPartials(plan.PartialFloats * plan.Shares);
            int next = 0;
            CpuParallel.For(plan.Workers, new Chunks { Plan = plan, X = x, Dy = dy, Partials = partials, Scratch = scratch, Next = &next });
            CpuParallel.For(g.K, new Reorder { Plan = plan, Partials = partials, Dw = dw });
        }

        /// <summary>Worker w, in its own scratch: shares taken from a shared counter, each chunk by chunk into the share's partial dWᵀ.</summary>
        private struct Chunks : IParallelWork
        {
            public Plan Plan;
            public float* X, Dy, Partials;
            public ConvScratch Scratch;
            public int* Next;

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public readonly void Execute(int worker)
            {
                var g = Plan.G;
                float* inputs = AlignLine(Scratch.Columns(worker));
                float* outputs = AlignLine(inputs + Plan.InputChunkFloats);
                // The borders and the lanes past C stay zero from here on: chunks only rewrite the interior.
                new Span<float>(inputs, checked((int)Plan.InputChunkFloats)).Clear();
                int share;
                while ((share = Interlocked.Increment(ref *Next) - 1) < Plan.Shares)
                {
                    float* partial = Partials + share * Plan.PartialFloats;
                    new Span<float>(partial, checked((int)Plan.PartialFloats)).Clear();
                    var (begin, end) = Plan.Share(share);
                    for (int first = begin; first < end; first += Plan.ChunkImages)
                    {
                        int count = Math.Min(Plan.ChunkImages, end - first);
                        BlockedCopies.Inputs(Plan, X, first, count, inputs);
                        BlockedCopies.OutputGradients(Plan, Dy, first, count, outputs);
                        var sweep = new BlockedSweep(count, g.OutH, g.OutW, (nint)Plan.PlaneFloats, (nint)Plan.RowStride, Plan.Step);
                        Sweep(sweep, inputs, outputs, partial);
                    }
                }
            }

            /// <summary>
            /// Every (column group, output block) tile over one chunk. Columns go in groups of up to
            /// three, sizes as even as possible (4 → 2 + 2, not 3 + 1); a group's input vectors stay
            /// in L1/L2 while every output block's gradients stream past them.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private readonly void Sweep(in BlockedSweep sweep, float* inputs, float* outputs, float* partial)
            {
                int columns = Plan.Taps * Plan.InputBlocks;
                int groups = (columns + 2) / 3;
                for (int group = 0, j = 0; group < groups; group++)
                {
                    int width = (columns - j + (groups - group) - 1) / (groups - group);
                    long origin = Plan.ColumnOffset(j);
                    nint o1 = width > 1 ? (nint)(Plan.ColumnOffset(j + 1) - origin) : 0;
                    nint o2 = width > 2 ? (nint)(Plan.ColumnOffset(j + 2) - origin) : 0;
                    float* x = inputs + origin;
                    for (int b = 0; b < Plan.OutputBlocks; b++)
                    {
                        float* dy = outputs + b * Plan.OutputBlockStride;
                        float* target = partial + (long)b * Plan.Rows * Plan.Ld + (long)j * Lanes;
                        nint ld = (nint)Plan.Ld;
                        switch (width)
                        {
                            case 3: BlockedFilterKernel<TV, TOps, THeight, ThreeColumns>.Accumulate(sweep, x, o1, o2, dy, target, ld); break;
                            case 2: BlockedFilterKernel<TV, TOps, THeight, TwoColumns>.Accumulate(sweep, x, o1, o2, dy, target, ld); break;
                            default: BlockedFilterKernel<TV, TOps, THeight, OneColumn>.Accumulate(sweep, x, o1, o2, dy, target, ld); break;
                        }
                    }
                    j += width;
                }
            }
        }

        /// <summary>Row k of dW: the workers' partial rows added in order, reordered from (block, tap, lane) to (c, r, s).</summary>
        private struct Reorder : IParallelWork
        {
            public Plan Plan;
            public float* Partials, Dw;

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public readonly void Execute(int k)
            {
                var g = Plan.G;
                int ld = (int)Plan.Ld;
                var row = new Span<float>(Partials + k * Plan.Ld, ld);
                for (int s = 1; s < Plan.Shares; s++) TensorPrimitives.Add(row, new ReadOnlySpan<float>(Partials + s * Plan.PartialFloats + k * Plan.Ld, ld), row);
                BlockedCopies.FilterRow(Plan, Partials + k * Plan.Ld, Dw + (long)k * g.C * Plan.Taps);
            }
        }
    }

    private static float* AlignLine(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}
