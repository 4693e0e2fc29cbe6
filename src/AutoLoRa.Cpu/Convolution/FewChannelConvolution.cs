using AutoLoRa.Cpu.Simd;
using Kernel512 = AutoLoRa.Cpu.Convolution.FewChannelKernel<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows>;
using Kernel256 = AutoLoRa.Cpu.Convolution.FewChannelKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.FourRows>;
using Inputs512 = AutoLoRa.Cpu.Convolution.FewInputKernel<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows>;
using Inputs256 = AutoLoRa.Cpu.Convolution.FewInputKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.FourRows>;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Direct convolution in tiles of 3 output channels × 128 pixels (<see cref="FewChannelKernel{TV, TOps, TVectors}"/>;
/// 32 pixels on AVX2) for the convolutions with at most three channels on one side — ResNet's stem:
/// its data gradient, a stride-1 forward of dy into the 3 image channels (see <see cref="CpuBackend"/>'s class
/// remarks), and its forward from them. <see cref="DirectConvolution"/>'s 8-channel × 32-pixel
/// tile multiplies 5 zero rows in the first, and in the second spends 8 broadcasts per 2 loaded
/// vectors over only 27 steps before it stores; GEMM has a 3-row output (or a 27-deep sum) to spread
/// its packing over. Each worker pads one image at a time into its own scratch (in its cache), and
/// the tiles of that image prefetch the next one's input: the input is most of the data gradient's
/// traffic (64 channels in per 3 out), and in its perf profile padding took 37 % of the kernel's
/// and padding's samples before the prefetch, 29 % after. The padded copy interleaves the channels'
/// rows (<see cref="PaddedLayout"/>'s interleavedRows): a tile's taps, the same rows of every
/// channel, read one contiguous run that slides by one row per tile, where planes apart spread
/// r18-b32's 64 channels × 3 rows (26 KiB) over L1 sets already holding 8 lines; its data gradient
/// ran 1.11–1.14× (one worker) and about 1.06× (two) as fast, r18w16-b64's 1.04–1.05×, the forward
/// from 3 channels the same (Zen 3 under load, interleaved in one process, median per-round ratio). Side by side under load, the stem's
/// forward ran 114–138 GFLOP/s against direct's 97–121 (+15 %), its data gradient 2.5× (r18w16-b64)
/// and 1.4–1.6× (r18-b32) gemm-col2im (AVX-512, Zen 5). On Zen 3 (AVX2; one worker, thread CPU
/// time, best of 6–10, in one process) the data gradient ran 41–68 GFLOP/s against direct's 20–28
/// and gemm-col2im's 19–43, the forward 32–63 against direct's 28–57. Output rows must be whole
/// vectors; a plane whose
/// vector count is not a multiple of the tile's ends with a tile that overlaps the one before (its pixels
/// computed twice, stored with the same values). <see cref="ForwardFewInputs"/> runs the same
/// workers with <see cref="FewInputKernel{TV, TOps, THeight}"/>'s tiles (4 or 8 output channels × 3
/// vectors, every block in one call) for a forward from at most 3 channels: on Zen 3 under load
/// (one worker, interleaved in one process, median of per-round ratios over 40–80 rounds) 1.07–1.24×
/// this kernel's speed on both workloads' stems, whose 16 channels it tiles without the 3-channel
/// blocks' 2 zero rows, and whose 27-step sums it runs in one call per tile rather than one per block.
/// </summary>
internal static unsafe class FewChannelConvolution
{
    /// <summary>Whether this runs <paramref name="g"/>'s forward: AVX-512 or AVX2, at most 3 input or output channels, rows of whole vectors, at least one tile per image.</summary>
    public static bool Applies(in ConvGeometry g)
    {
        if (Kernel512.IsSupported) return Fits(g, Kernel512.Pixels, Kernel512.Vectors);
        return Kernel256.IsSupported && Fits(g, Kernel256.Pixels, Kernel256.Vectors);
    }

    private static bool Fits(in ConvGeometry g, int pixels, int vectors) =>
        (g.K <= 3 || g.C <= 3) && g.OutW % pixels == 0 && g.OutH * g.OutW >= vectors * pixels;

    /// <summary>Whether <see cref="ForwardFewInputs"/> runs <paramref name="g"/>: AVX-512 or AVX2, at most 3 input channels, rows of whole vectors, at least one call's 6 vectors per image.</summary>
    public static bool AppliesToFewInputs(in ConvGeometry g)
    {
        if (Inputs512.IsSupported) return g.C <= 3 && g.OutW % Inputs512.Pixels == 0 && g.OutH * g.OutW >= Inputs512.Vectors * Inputs512.Pixels;
        return Inputs256.IsSupported && g.C <= 3 && g.OutW % Inputs256.Pixels == 0 && g.OutH * g.OutW >= Inputs256.Vectors * Inputs256.Pixels;
    }

    /// <summary>y = conv(x, w) (+ bias), then <paramref name="epilogue"/>, for the whole batch, in parallel over images.</summary>
    public static void Forward(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
    {
        if (Kernel512.IsSupported) Forward<Vector512<float>, Vector512Ops, EightRows>(g, x, w, bias, epilogue, y, scratch);
        else Forward<Vector256<float>, Vector256Ops, FourRows>(g, x, w, bias, epilogue, y, scratch);
    }

    /// <summary>
    /// <see cref="Forward(in ConvGeometry, float*, float*, float*, ConvEpilogue, float*, ConvScratch)"/> by
    /// <see cref="FewInputKernel{TV, TOps, THeight}"/>'s tiles of 4 (AVX2) or 8 (AVX-512) output channels × 3 pixel vectors, two per call.
    /// </summary>
    public static void ForwardFewInputs(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
    {
        if (Inputs512.IsSupported) ForwardFewInputs<Vector512<float>, Vector512Ops, EightRows>(g, x, w, bias, epilogue, y, scratch);
        else ForwardFewInputs<Vector256<float>, Vector256Ops, FourRows>(g, x, w, bias, epilogue, y, scratch);
    }

    /// <summary><see cref="Forward(in ConvGeometry, float*, float*, float*, ConvEpilogue, float*, ConvScratch)"/> by one kernel (tests run each where the CPU has it).</summary>
    internal static void Forward<TV, TOps, TVectors>(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
        where TV : struct where TOps : IVectorOps<TV> where TVectors : ITileHeight =>
        Run<ThreeChannelTiles<TV, TOps, TVectors>>(g, x, w, bias, epilogue, y, scratch);

    /// <summary><see cref="ForwardFewInputs(in ConvGeometry, float*, float*, float*, ConvEpilogue, float*, ConvScratch)"/> by one kernel (tests run each where the CPU has it).</summary>
    internal static void ForwardFewInputs<TV, TOps, THeight>(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
        where TV : struct where TOps : IVectorOps<TV> where THeight : ITileHeight =>
        Run<ChannelBlockTiles<TV, TOps, THeight>>(g, x, w, bias, epilogue, y, scratch);

    private static void Run<TTiles>(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
        where TTiles : struct, ITiles
    {
        int channels = TTiles.Channels, pixels = TTiles.Pixels;
        var layout = new PaddedLayout(g, interleavedRows: true);
        int steps = g.C * g.R * g.S;
        int vectors = g.OutH * g.OutW / pixels;
        int workers = Math.Min(CpuParallel.WorkerCount, g.N);
        int blocks = (g.K + channels - 1) / channels;
        float* filters = scratch.PackedFilter((long)blocks * steps * channels);
        int* offsets = scratch.TapOffsets(steps);
        int* origins = scratch.PixelOrigins(vectors);

        // filters[(b·steps + p)·channels + j] = w[channels·b + j, p]: step p's weights for block b's channels side by side, zeros past K.
        for (int k = 0; k < blocks * channels; k++)
        {
            int b = k / channels, j = k % channels;
            float* panel = filters + (long)b * steps * channels + j;
            for (int p = 0; p < steps; p++) panel[p * channels] = k < g.K ? w[(long)k * steps + p] : 0f;
        }
        DirectConvolution.FillTapOffsets(layout, offsets);
        for (int v = 0; v < vectors; v++) origins[v] = layout.Origin(v * pixels);
        scratch.EnsureColumns(workers, layout.ImageSize);
        int next = 0;
        CpuParallel.For(workers, new Images<TTiles>
        {
            Tiles = new TileJob
            {
                Layout = layout, Filters = filters, Bias = bias, Epilogue = epilogue, Y = y,
                Offsets = offsets, Origins = origins, Steps = steps, Blocks = blocks,
            },
            X = x, Scratch = scratch, Vectors = vectors, Next = &next,
        });
    }

    /// <summary>What every tile of a call shares: the packed filter, the tap offsets and pixel origins, the output.</summary>
    private struct TileJob
    {
        public PaddedLayout Layout;
        public float* Filters, Bias, Y;
        public ConvEpilogue Epilogue;
        public int* Offsets, Origins;
        public int Steps, Blocks;
    }

    /// <summary>A kernel's tiles: their shape, and one tile (every output channel of its pixels) of one padded image.</summary>
    private interface ITiles
    {
        /// <summary>Output channels per packed filter block.</summary>
        static abstract int Channels { get; }

        /// <summary>Pixel vectors per tile.</summary>
        static abstract int Vectors { get; }

        /// <summary>Output pixels per vector.</summary>
        static abstract int Pixels { get; }

        /// <summary>
        /// The tile whose first pixel vector is <paramref name="v"/>, of the image padded at
        /// <paramref name="padded"/> whose output starts at index <paramref name="image"/>; prefetches
        /// from <paramref name="ahead"/> on and returns where the next tile's prefetch starts.
        /// </summary>
        static abstract float* Tile(in TileJob job, float* padded, long image, int v, float* ahead, float* aheadEnd);
    }

    /// <summary><see cref="FewChannelKernel{TV, TOps, TVectors}"/>: a call per block of 3 output channels, each step prefetching a line.</summary>
    private struct ThreeChannelTiles<TV, TOps, TVectors> : ITiles
        where TV : struct where TOps : IVectorOps<TV> where TVectors : ITileHeight
    {
        public static int Channels => FewChannelKernel<TV, TOps, TVectors>.Channels;

        public static int Vectors => FewChannelKernel<TV, TOps, TVectors>.Vectors;

        public static int Pixels => FewChannelKernel<TV, TOps, TVectors>.Pixels;

        public static float* Tile(in TileJob job, float* padded, long image, int v, float* ahead, float* aheadEnd)
        {
            var g = job.Layout.G;
            int planes = g.OutH * g.OutW;
            for (int b = 0; b < job.Blocks; b++, ahead += job.Steps * FewChannelKernel<TV, TOps, TVectors>.PrefetchStride)
            {
                int k = b * Channels;
                long offset = image + (long)k * planes + v * Pixels;
                FewChannelKernel<TV, TOps, TVectors>.Forward(job.Steps, job.Filters + (long)k * job.Steps, job.Offsets, padded, job.Origins + v,
                    job.Bias == null ? null : job.Bias + k, Math.Min(Channels, g.K - k), job.Epilogue, job.Y + offset, offset, planes, ahead < aheadEnd ? ahead : padded);
            }
            return ahead;
        }
    }

    /// <summary><see cref="FewInputKernel{TV, TOps, THeight}"/>: one call for every block of the tile's pixels, no prefetch.</summary>
    private struct ChannelBlockTiles<TV, TOps, THeight> : ITiles
        where TV : struct where TOps : IVectorOps<TV> where THeight : ITileHeight
    {
        public static int Channels => FewInputKernel<TV, TOps, THeight>.Channels;

        public static int Vectors => FewInputKernel<TV, TOps, THeight>.Vectors;

        public static int Pixels => FewInputKernel<TV, TOps, THeight>.Pixels;

        public static float* Tile(in TileJob job, float* padded, long image, int v, float* ahead, float* aheadEnd)
        {
            var g = job.Layout.G;
            long offset = image + v * Pixels;
            FewInputKernel<TV, TOps, THeight>.Forward(job.Steps, job.Filters, job.Offsets, padded, job.Origins + v, job.Bias, g.K,
                job.Epilogue, job.Y + offset, offset, g.OutH * g.OutW);
            return ahead;
        }
    }

    /// <summary>Worker w takes images from a shared counter, pads each into its own scratch and computes all its tiles.</summary>
    private struct Images<TTiles> : IParallelWork where TTiles : struct, ITiles
    {
        public TileJob Tiles;
        public float* X;
        public ConvScratch Scratch;
        public int* Next;
        public int Vectors;

        public readonly void Execute(int worker)
        {
            var layout = Tiles.Layout;
            var g = layout.G;
            float* padded = Scratch.Columns(worker);
            long imageSize = (long)g.C * g.H * g.W;
            bool bordersZero = false;
            int n = Interlocked.Increment(ref *Next) - 1;
            while (n < g.N)
            {
                // The next image is claimed now so that this one's tiles can prefetch it; after the worker's first
                // image only the interior of the padded copy is rewritten.
                int following = Interlocked.Increment(ref *Next) - 1;
                layout.Pad(X + n * imageSize, padded, bordersZero);
                bordersZero = true;
                // With no image to come (and once the next one is covered) the tiles prefetch the padded copy they read anyway.
                float* ahead = following < g.N ? X + following * imageSize : padded, aheadEnd = ahead + imageSize;
                long image = (long)n * g.K * g.OutH * g.OutW;
                // A plane whose vector count is not a multiple of the tile's ends with a tile overlapping the one before.
                for (int tile = 0; tile < Vectors; tile += TTiles.Vectors)
                {
                    ahead = TTiles.Tile(Tiles, padded, image, Math.Min(tile, Vectors - TTiles.Vectors), ahead, aheadEnd);
                }
                n = following;
            }
        }
    }
}
