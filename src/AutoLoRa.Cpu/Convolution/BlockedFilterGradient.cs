using System.Numerics.Tensors;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The filter gradient of any convolution as a GEMM over pixels on channel-blocked copies, the
/// layout oneDNN's backward-weights kernels work in:
/// <code>
///   dWᵀ[k][(c, tap)] = Σ_n Σ_pixels dy_n[k][pixel] · x_n[c][pixel · stride + tap]
/// </code>
/// Each worker takes an equal share of the batch and, a chunk of images at a time (at least
/// <see cref="ChunkPixels"/> output pixels, so a tile's sums are added to memory rarely), copies
/// the chunk into its own scratch as (1) the zero-padded images in blocks of L = 16 input channels
/// (8 without AVX-512), [block][image][padded row][padded column][L], and (2) the output gradient
/// in blocks of 8 output channels (4), [block][pixel][8], then runs
/// <see cref="BlockedFilterKernel{TV, TOps, THeight, TWidth}"/> over every (column group, channel
/// block), where a column is one input-channel block at one tap: its vector for an output pixel
/// lies at a fixed offset from the pixel's origin, whatever the stride or padding. The copies cost
/// one pass over x and dy per call; every value in them then feeds K·R·S/L (x) or C·R·S/L (dy)
/// vector multiply-adds. Each worker sums into its own partial dWᵀ; the partials are added in
/// worker order and reordered to (K, C, R, S) at the end, so the result is the same on every run.
/// Channels past C and K are zeros in the copies (their sums are dropped), which makes every
/// shape valid.
/// </summary>
[SkipLocalsInit]
internal static unsafe class BlockedFilterGradient
{
    /// <summary>Output pixels a chunk of images covers at least (or the worker's whole share).</summary>
    private const int ChunkPixels = 256;

    /// <summary>Whether this CPU has the vectors of either kernel (AVX-512, or AVX2 with FMA); any geometry then runs.</summary>
    public static bool Applies() => Vector512Ops.IsSupported || Vector256Ops.IsSupported;

    /// <summary>dW = Σ_n dy_n ⋆ x_n, overwriting <paramref name="dw"/>.</summary>
    public static void Compute(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch)
    {
        if (Vector512Ops.IsSupported) Blocked<Vector512<float>, Vector512Ops, EightRows>.Compute(g, x, dy, dw, scratch);
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
            Workers = Math.Min(workers, g.N);
            int share = (g.N + Workers - 1) / Workers;
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

        /// <summary>Images [begin, end) of the batch that worker <paramref name="worker"/> owns.</summary>
        public (int Begin, int End) Share(int worker) => ((int)((long)G.N * worker / Workers), (int)((long)G.N * (worker + 1) / Workers));
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
            float* partials = scratch.FilterPartials(plan.PartialFloats * plan.Workers);
            CpuParallel.For(plan.Workers, new Chunks { Plan = plan, X = x, Dy = dy, Partials = partials, Scratch = scratch });
            CpuParallel.For(g.K, new Reorder { Plan = plan, Partials = partials, Dw = dw });
        }

        /// <summary>Worker w: its share of the batch, chunk by chunk, into its own partial dWᵀ.</summary>
        private struct Chunks : IParallelWork
        {
            public Plan Plan;
            public float* X, Dy, Partials;
            public ConvScratch Scratch;

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public readonly void Execute(int worker)
            {
                var g = Plan.G;
                float* partial = Partials + worker * Plan.PartialFloats;
                new Span<float>(partial, checked((int)Plan.PartialFloats)).Clear();
                float* inputs = AlignLine(Scratch.Columns(worker));
                float* outputs = AlignLine(inputs + Plan.InputChunkFloats);
                // The borders and the lanes past C stay zero from here on: chunks only rewrite the interior.
                new Span<float>(inputs, checked((int)Plan.InputChunkFloats)).Clear();
                var (begin, end) = Plan.Share(worker);

                for (int first = begin; first < end; first += Plan.ChunkImages)
                {
                    int count = Math.Min(Plan.ChunkImages, end - first);
                    BlockedCopies.Inputs(Plan, X, first, count, inputs);
                    BlockedCopies.OutputGradients(Plan, Dy, first, count, outputs);
                    var sweep = new BlockedSweep(count, g.OutH, g.OutW, (nint)Plan.PlaneFloats, (nint)Plan.RowStride, Plan.Step);
                    Sweep(sweep, inputs, outputs, partial);
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
                for (int w = 1; w < Plan.Workers; w++) TensorPrimitives.Add(row, new ReadOnlySpan<float>(Partials + w * Plan.PartialFloats + k * Plan.Ld, ld), row);
                BlockedCopies.FilterRow(Plan, Partials + k * Plan.Ld, Dw + (long)k * g.C * Plan.Taps);
            }
        }
    }

    private static float* AlignLine(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}
