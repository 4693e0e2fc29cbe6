using AutoLoRa.Cpu.Simd;
using Kernel512 = AutoLoRa.Cpu.Convolution.FewChannelKernel<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows>;
using Kernel256 = AutoLoRa.Cpu.Convolution.FewChannelKernel<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.FourRows>;

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
/// and padding's samples before the prefetch, 29 % after. Side by side under load, the stem's
/// forward ran 114–138 GFLOP/s against direct's 97–121 (+15 %), its data gradient 2.5× (r18w16-b64)
/// and 1.4–1.6× (r18-b32) gemm-col2im (AVX-512, Zen 5). On Zen 3 (AVX2; one worker, thread CPU
/// time, best of 6–10, in one process) the data gradient ran 41–68 GFLOP/s against direct's 20–28
/// and gemm-col2im's 19–43, the forward 32–63 against direct's 28–57. Output rows must be whole
/// vectors; a plane whose
/// vector count is not a multiple of the tile's ends with a tile that overlaps the one before (its pixels
/// computed twice, stored with the same values).
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

    /// <summary>y = conv(x, w) (+ bias), then <paramref name="epilogue"/>, for the whole batch, in parallel over images.</summary>
    public static void Forward(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
    {
        if (Kernel512.IsSupported) Forward<Vector512<float>, Vector512Ops, EightRows>(g, x, w, bias, epilogue, y, scratch);
        else Forward<Vector256<float>, Vector256Ops, FourRows>(g, x, w, bias, epilogue, y, scratch);
    }

    /// <summary><see cref="Forward(in ConvGeometry, float*, float*, float*, ConvEpilogue, float*, ConvScratch)"/> by one kernel (tests run each where the CPU has it).</summary>
    internal static void Forward<TV, TOps, TVectors>(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
        where TV : struct where TOps : IVectorOps<TV> where TVectors : ITileHeight
    {
        const int channels = FewChannelKernel<TV, TOps, TVectors>.Channels;
        int pixels = FewChannelKernel<TV, TOps, TVectors>.Pixels;
        var layout = new PaddedLayout(g);
        int steps = g.C * g.R * g.S;
        int vectors = g.OutH * g.OutW / pixels;
        int workers = Math.Min(CpuParallel.WorkerCount, g.N);
        int blocks = (g.K + channels - 1) / channels;
        float* filters = scratch.PackedFilter((long)blocks * steps * channels);
        int* offsets = scratch.TapOffsets(steps);
        int* origins = scratch.PixelOrigins(vectors);

        // filters[(b·steps + p)·3 + j] = w[3b + j, p]: step p's weights for block b's channels side by side, zeros past K.
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
        CpuParallel.For(workers, new Images<TV, TOps, TVectors>
        {
            Layout = layout, X = x, Filters = filters, Bias = bias, Epilogue = epilogue, Y = y, Scratch = scratch,
            Offsets = offsets, Origins = origins, Steps = steps, Vectors = vectors, Blocks = blocks, Next = &next,
        });
    }

    /// <summary>Worker w takes images from a shared counter, pads each into its own scratch and computes all its tiles.</summary>
    private struct Images<TV, TOps, TVectors> : IParallelWork
        where TV : struct where TOps : IVectorOps<TV> where TVectors : ITileHeight
    {
        public PaddedLayout Layout;
        public float* X, Filters, Bias, Y;
        public ConvEpilogue Epilogue;
        public ConvScratch Scratch;
        public int* Offsets, Origins, Next;
        public int Steps, Vectors, Blocks;

        public readonly void Execute(int worker)
        {
            var g = Layout.G;
            float* padded = Scratch.Columns(worker);
            int planes = g.OutH * g.OutW;
            long imageSize = (long)g.C * g.H * g.W;
            bool bordersZero = false;
            int n = Interlocked.Increment(ref *Next) - 1;
            while (n < g.N)
            {
                // The next image is claimed now so that this one's tiles can prefetch it; after the worker's first
                // image only the interior of the padded copy is rewritten.
                int following = Interlocked.Increment(ref *Next) - 1;
                Layout.Pad(X + n * imageSize, padded, bordersZero);
                bordersZero = true;
                // With no image to come (and once the next one is covered) the tiles prefetch the padded copy they read anyway.
                float* ahead = following < g.N ? X + following * imageSize : padded, aheadEnd = ahead + imageSize;
                long image = (long)n * g.K * planes;
                int tileVectors = FewChannelKernel<TV, TOps, TVectors>.Vectors, pixels = FewChannelKernel<TV, TOps, TVectors>.Pixels;
                const int channels = FewChannelKernel<TV, TOps, TVectors>.Channels;
                for (int tile = 0; tile < Vectors; tile += tileVectors)
                {
                    int v = Math.Min(tile, Vectors - tileVectors);
                    for (int b = 0; b < Blocks; b++, ahead += Steps * FewChannelKernel<TV, TOps, TVectors>.PrefetchStride)
                    {
                        int k = b * channels;
                        long offset = image + (long)k * planes + v * pixels;
                        FewChannelKernel<TV, TOps, TVectors>.Forward(Steps, Filters + (long)k * Steps, Offsets, padded, Origins + v, Bias == null ? null : Bias + k, Math.Min(channels, g.K - k),
                            Epilogue, Y + offset, offset, planes, ahead < aheadEnd ? ahead : padded);
                    }
                }
                n = following;
            }
        }
    }
}
