using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Gemm;
using AutoLoRa.Cpu.Simd;
using DirectConvKernel = AutoLoRa.Cpu.Convolution.DirectConvKernel<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops>;
using DirectConvKernel256 = AutoLoRa.Cpu.Convolution.DirectConvKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops>;
using RowPairKernel = AutoLoRa.Cpu.Convolution.DirectRowPairKernel<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops>;
using RowPairKernel256 = AutoLoRa.Cpu.Convolution.DirectRowPairKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops>;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Convolution computed straight from zero-padded copies of the images (<see cref="PaddedLayout"/>:
/// split into phases for strided layers), vectorised along output rows (<see cref="DirectConvKernel{TV, TOps}"/>). Where the output has few channels (the 16- and
/// 32-channel stages of a narrow ResNet) a GEMM over the lowered matrix does one multiply-add per
/// packed value and so spends as long packing as multiplying; here nothing but the padded image
/// (one pass) is written. Output rows must be whole vectors: 16 pixels wide for the AVX-512
/// kernels, 8 for the AVX2 ones (also the choice for 8-wide rows on AVX-512 CPUs).
/// </summary>
internal static unsafe class DirectConvolution
{
    /// <summary>Output pixels per vector of the kernel that fits these rows (16 or 8), or 0 when none does.</summary>
    private static int RunPixels(in ConvGeometry g)
    {
        // A strided 1×1 (shortcut) reads a quarter of what padding copies, over very few steps: the GEMM path does better.
        if ((g.StrideH > 1 || g.StrideW > 1) && g.R * g.S == 1) return 0;
        if (DirectConvKernel.IsSupported && g.OutW % DirectConvKernel.Pixels == 0) return DirectConvKernel.Pixels;
        return DirectConvKernel256.IsSupported && g.OutW % DirectConvKernel256.Pixels == 0 ? DirectConvKernel256.Pixels : 0;
    }

    /// <summary>
    /// Output channels per tile, forward and filter gradient: 8 (19 live registers) where AVX-512's
    /// 32 registers hold them, for its 256-bit kernel too; 6 on AVX2's 16, where 8 spilled three accumulators to the
    /// stack every step (JIT disassembly), and 6 measured about twice as fast on Zen 3 (one worker,
    /// thread CPU time, best of 10, alternating builds: r18w16-b64's layer2 34–49 → 73, layer2.0a
    /// 26–31 → 56, layer3.0a 31–39 → 69 GFLOP/s, even with 16 and 32 channels padded to 18 and 36,
    /// as they were before <see cref="ChannelBlocks"/>).
    /// </summary>
    private static int TileChannels => Avx512F.IsSupported ? EightRows.Rows : SixRows.Rows;

    /// <summary>
    /// How the forward splits K output channels into tile-high blocks: <see cref="Full"/> blocks of
    /// <see cref="Height"/> (the last short where K leaves an odd remainder, computed aside), then
    /// with 6-high tiles one or two 4-high ones where K mod 6 is 4 or 2 — 16 = 6 + 6 + 4 and
    /// 32 = 4·6 + 2·4, where padding to 18 and 36 channels multiplied 12 % zeros. On Zen 3 (one
    /// worker, thread CPU time, best of 8–12, alternating builds) r18w16-b64's layer1 forward and data
    /// gradient ran 66 → 71–75 GFLOP/s, layer2 74 → 82, layer2.0a 59 → 61 (within the noise).
    /// </summary>
    private readonly struct ChannelBlocks
    {
        public ChannelBlocks(int k, int height)
        {
            Height = height;
            int rest = k % height;
            Fours = height != SixRows.Rows ? 0 : rest == 4 ? 1 : rest == 2 && k >= 8 ? 2 : 0;
            Full = (k - FourRows.Rows * Fours + height - 1) / height;
        }

        public int Height { get; }

        public int Full { get; }

        /// <summary>4-high blocks after the full ones.</summary>
        public int Fours { get; }

        public int Count => Full + Fours;

        /// <summary>Channels the packed filter holds, zero rows included.</summary>
        public int Channels => Full * Height + Fours * FourRows.Rows;

        public int First(int block) => block < Full ? block * Height : Full * Height + (block - Full) * FourRows.Rows;

        public int HeightOf(int block) => block < Full ? Height : FourRows.Rows;
    }

    /// <summary>Whether forward (and so a stride-1 data gradient) can run directly: whole vectors per row, whole two-run tiles per image.</summary>
    public static bool Applies(in ConvGeometry g)
    {
        int pixels = RunPixels(g);
        return pixels > 0 && g.OutH * g.OutW % (2 * pixels) == 0;
    }

    /// <summary>
    /// Output pixels per vector of the <see cref="DirectRowPairKernel{TV, TOps}"/> this CPU runs: 16
    /// (8-pixel rows) with AVX-512, 8 (4-pixel rows) with AVX2 alone.
    /// </summary>
    private static int RowPairPixels => RowPairKernel.IsSupported ? RowPairKernel.Pixels : RowPairKernel256.IsSupported ? RowPairKernel256.Pixels : 0;

    /// <summary>Whether forward can run with <see cref="DirectRowPairKernel{TV, TOps}"/>: rows half its vector wide, whole tiles of four rows.</summary>
    public static bool AppliesToRowPairs(in ConvGeometry g) =>
        RowPairPixels > 0 && g.OutW == RowPairPixels / 2 && g.OutH % 4 == 0
        && !((g.StrideH > 1 || g.StrideW > 1) && g.R * g.S == 1); // as RunPixels: strided 1×1 goes to GEMM

    /// <summary>
    /// y = conv(x, w) (+ bias), then <paramref name="epilogue"/>, for the whole batch, in parallel
    /// over (image, block of <see cref="TileChannels"/> channels); with <paramref name="rowPairs"/> by
    /// <see cref="DirectRowPairKernel{TV, TOps}"/> (see <see cref="AppliesToRowPairs"/>).
    /// </summary>
    public static void Forward(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch, bool rowPairs = false)
    {
        var layout = new PaddedLayout(g);
        int steps = g.C * g.R * g.S;
        var blocks = new ChannelBlocks(g.K, TileChannels);
        float* padded = scratch.PaddedImages(layout.ImageSize * g.N);
        float* filters = scratch.PackedFilter((long)blocks.Channels * steps);
        int* offsets = scratch.TapOffsets(steps);

        // The filter as panels of each block's channels (the GEMM's A layout), and every tap's offset in a padded image.
        for (int b = 0; b < blocks.Count; b++)
        {
            int first = blocks.First(b), height = blocks.HeightOf(b);
            Packing.PackA(false, w, steps, first, Math.Min(height, g.K - first), 0, steps, height, filters + (long)first * steps);
        }
        FillTapOffsets(layout, offsets);
        CpuParallel.For(g.N, new PadImages { Layout = layout, X = x, Padded = padded });
        CpuParallel.For(g.N * blocks.Count, new Tiles
        {
            Layout = layout, Padded = padded, Filters = filters, Offsets = offsets, Bias = bias, Epilogue = epilogue, Y = y,
            Steps = steps, Blocks = blocks, Pixels = rowPairs ? RowPairPixels : RunPixels(g),
            RowStep = rowPairs ? g.StrideH * layout.RowLength : 0,
        });
    }

    /// <summary>Whether the filter gradient can run directly: output rows of whole vectors (no tile condition).</summary>
    public static bool AppliesToFilter(in ConvGeometry g) => RunPixels(g) > 0;

    /// <summary>
    /// dW = Σ_n dy_n · col(x_n)ᵀ without lowering: each worker accumulates a fixed share of the
    /// images into its own partial gradient, and the partials are summed in order at the end (so
    /// nothing races and the result is the same on every run).
    /// </summary>
    public static void BackwardFilter(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch)
    {
        var layout = new PaddedLayout(g);
        int taps = g.C * g.R * g.S;
        int planes = g.OutH * g.OutW;
        int pixels = RunPixels(g);
        int vectors = planes / pixels;
        long paddedImage = layout.ImageSize;
        long filterSize = (long)g.K * taps;
        int workers = CpuParallel.WorkerCount;
        float* padded = scratch.PaddedImages(paddedImage * g.N);
        int* offsets = scratch.TapOffsets(taps);
        int* origins = scratch.PixelOrigins(vectors);
        float* partials = scratch.FilterPartials(filterSize * workers);

        FillTapOffsets(layout, offsets);
        for (int v = 0; v < vectors; v++) origins[v] = layout.Origin(v * pixels);
        new Span<float>(partials, (int)(filterSize * workers)).Clear();
        CpuParallel.For(g.N, new PadImages { Layout = layout, X = x, Padded = padded });
        CpuParallel.For(workers, new FilterChunks
        {
            G = g, Padded = padded, Dy = dy, Partials = partials, Offsets = offsets, Origins = origins,
            Taps = taps, Vectors = vectors, PaddedImage = paddedImage, Workers = workers, Pixels = pixels,
        });

        var total = new Span<float>(dw, (int)filterSize);
        new ReadOnlySpan<float>(partials, (int)filterSize).CopyTo(total);
        for (int w = 1; w < workers; w++) TensorPrimitives.Add(total, new ReadOnlySpan<float>(partials + w * filterSize, (int)filterSize), total);
    }

    /// <summary>offsets[(c·R + r)·S + s] = where tap (c, r, s) of a padded image starts relative to a run's origin.</summary>
    public static void FillTapOffsets(in PaddedLayout layout, int* offsets)
    {
        var g = layout.G;
        for (int c = 0, p = 0; c < g.C; c++)
        {
            for (int r = 0; r < g.R; r++)
            {
                for (int s = 0; s < g.S; s++) offsets[p++] = layout.TapOffset(c, r, s);
            }
        }
    }

    /// <summary>Worker w adds the filter gradient of chunks w, w + Workers, … into its own partial.</summary>
    private struct FilterChunks : IParallelWork
    {
        // Images per chunk: their padded planes and gradients stay in L2 while every tile sweeps them.
        private const int ChunkImages = 4;

        public ConvGeometry G;
        public float* Padded, Dy, Partials;
        public int* Offsets, Origins;
        public int Taps, Vectors, Pixels, Workers;
        public long PaddedImage;

        public readonly void Execute(int worker)
        {
            int planes = G.OutH * G.OutW;
            long dyImage = (long)G.K * planes;
            float* partial = Partials + worker * (long)G.K * Taps;
            float* sums = stackalloc float[2 * DirectConvKernel.Channels];
            int height = TileChannels;
            int chunks = (G.N + ChunkImages - 1) / ChunkImages;
            // Chunks are dealt out by index, not taken first-come: each partial then sums the same
            // images in the same order on every run, so training is bit-for-bit reproducible.
            for (int chunk = worker; chunk < chunks; chunk += Workers)
            {
                int first = chunk * ChunkImages, count = Math.Min(ChunkImages, G.N - first);
                float* images = Padded + first * PaddedImage;
                for (int k0 = 0; k0 < G.K; k0 += height)
                {
                    int rows = Math.Min(height, G.K - k0);
                    float* dyBlock = Dy + first * dyImage + (long)k0 * planes;
                    for (int t = 0; t < Taps; t += 2)
                    {
                        int t1 = Math.Min(t + 1, Taps - 1);
                        new Span<float>(sums, 2 * DirectConvKernel.Channels).Clear();
                        if (Pixels == DirectConvKernel.Pixels)
                        {
                            DirectConvKernel.FilterGradient<EightRows>(count, Vectors, Origins, images + Offsets[t], images + Offsets[t1], PaddedImage, dyBlock, planes, rows, dyImage, sums);
                        }
                        else if (height == EightRows.Rows)
                        {
                            DirectConvKernel256.FilterGradient<EightRows>(count, Vectors, Origins, images + Offsets[t], images + Offsets[t1], PaddedImage, dyBlock, planes, rows, dyImage, sums);
                        }
                        else
                        {
                            DirectConvKernel256.FilterGradient<SixRows>(count, Vectors, Origins, images + Offsets[t], images + Offsets[t1], PaddedImage, dyBlock, planes, rows, dyImage, sums);
                        }
                        for (int j = 0; j < rows; j++)
                        {
                            float* row = partial + (long)(k0 + j) * Taps;
                            row[t] += sums[2 * j];
                            if (t1 != t) row[t1] += sums[2 * j + 1];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Image n into its padded layout.</summary>
    public struct PadImages : IParallelWork
    {
        public PaddedLayout Layout;
        public float* X, Padded;

        public readonly void Execute(int n)
        {
            var g = Layout.G;
            Layout.Pad(X + n * (long)g.C * g.H * g.W, Padded + n * Layout.ImageSize);
        }
    }

    /// <summary>Item i: image i / Blocks.Count, output channel block i mod Blocks.Count, every two-run tile.</summary>
    private struct Tiles : IParallelWork
    {
        public PaddedLayout Layout;
        public float* Padded, Filters, Bias, Y;
        public ConvEpilogue Epilogue;
        public int* Offsets;
        public ChannelBlocks Blocks;
        public int Steps, Pixels;

        /// <summary>With <see cref="DirectRowPairKernel{TV, TOps}"/>: floats from one output row's input row to the next's; else 0.</summary>
        public int RowStep;

        private readonly ConvGeometry G => Layout.G;

        public readonly void Execute(int item)
        {
            int n = item / Blocks.Count, block = item % Blocks.Count;
            int first = Blocks.First(block), height = Blocks.HeightOf(block);
            int rows = Math.Min(height, G.K - first);
            int planes = G.OutH * G.OutW;
            float* image = Padded + n * Layout.ImageSize;
            float* a = Filters + (long)first * Steps;
            float* yBlock = Y + ((long)n * G.K + first) * planes;
            int tile = 2 * Pixels;
            float* edge = stackalloc float[DirectConvKernel.Channels * 2 * DirectConvKernel.Pixels];
            for (int pixel = 0; pixel < planes; pixel += tile)
            {
                float* x0 = image + Layout.Origin(pixel);
                float* x1 = image + Layout.Origin(pixel + Pixels);
                // A last block short of a tile's channels is computed aside (the extra filter rows are zero) and its real rows kept.
                bool whole = rows == height;
                if (whole) Run(height, a, x0, x1, yBlock + pixel, yBlock + pixel + Pixels, planes);
                else Run(height, a, x0, x1, edge, edge + Pixels, tile);
                for (int j = 0; j < rows; j++)
                {
                    long run = yBlock - Y + (long)j * planes + pixel;
                    Epilogue.ApplyFrom(whole ? Y + run : edge + j * tile, Y, run, tile, Bias == null ? null : Bias + first + j);
                }
            }
        }

        private readonly void Run(int height, float* a, float* x0, float* x1, float* out0, float* out1, int ldc)
        {
            if (height == EightRows.Rows) Run<EightRows>(a, x0, x1, out0, out1, ldc);
            else if (height == SixRows.Rows) Run<SixRows>(a, x0, x1, out0, out1, ldc);
            else Run<FourRows>(a, x0, x1, out0, out1, ldc);
        }

        private readonly void Run<THeight>(float* a, float* x0, float* x1, float* out0, float* out1, int ldc) where THeight : ITileHeight
        {
            if (RowStep != 0)
            {
                if (Pixels == RowPairKernel.Pixels) RowPairKernel.Forward<THeight>(Steps, a, Offsets, x0, x1, RowStep, out0, out1, ldc);
                else RowPairKernel256.Forward<THeight>(Steps, a, Offsets, x0, x1, RowStep, out0, out1, ldc);
            }
            else if (Pixels == DirectConvKernel.Pixels) DirectConvKernel.Forward<THeight>(Steps, a, Offsets, x0, x1, out0, out1, ldc);
            else DirectConvKernel256.Forward<THeight>(Steps, a, Offsets, x0, x1, out0, out1, ldc);
        }

    }
}
