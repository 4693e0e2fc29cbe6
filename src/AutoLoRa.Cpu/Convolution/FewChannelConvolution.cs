namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Direct convolution into at most three output channels — in ResNet, the stem's data gradient,
/// a stride-1 forward of dy into the 3 image channels (see <see cref="CpuBackend"/>'s class
/// remarks). <see cref="DirectConvolution"/>'s 8-channel tile multiplies 5 zero rows there and GEMM
/// has a 3-row output to spread its packing over; here each tile is 3 channels × 128 pixels
/// (<see cref="FewChannelKernel"/>), and each worker pads one image at a time into its own scratch
/// (in its cache), while the tiles of that image prefetch the next one's input: the input is most of
/// the traffic (64 channels in per 3 out), and in the perf profile of the stem's data gradient
/// padding took 37 % of the kernel's and padding's samples before the prefetch, 29 % after. Output rows
/// must be whole 16-pixel vectors; a plane whose vector count is not a multiple of 8 ends with a
/// tile that overlaps the one before (its pixels computed twice, stored with the same values).
/// </summary>
internal static unsafe class FewChannelConvolution
{
    /// <summary>Whether this runs <paramref name="g"/>'s forward: AVX-512, at most 3 output channels, rows of whole vectors, at least one tile per image.</summary>
    public static bool Applies(in ConvGeometry g) =>
        FewChannelKernel.IsSupported && g.K <= FewChannelKernel.Channels && g.OutW % FewChannelKernel.Pixels == 0
        && g.OutH * g.OutW >= FewChannelKernel.Vectors * FewChannelKernel.Pixels;

    /// <summary>y = conv(x, w) (+ bias), then <paramref name="epilogue"/>, for the whole batch, in parallel over images.</summary>
    public static void Forward(in ConvGeometry g, float* x, float* w, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch)
    {
        var layout = new PaddedLayout(g);
        int steps = g.C * g.R * g.S;
        int vectors = g.OutH * g.OutW / FewChannelKernel.Pixels;
        int workers = Math.Min(CpuParallel.WorkerCount, g.N);
        float* filters = scratch.PackedFilter((long)steps * FewChannelKernel.Channels);
        int* offsets = scratch.TapOffsets(steps);
        int* origins = scratch.PixelOrigins(vectors);

        // filters[p·3 + j] = w[j, p]: step p's weights for every channel side by side, zeros past K.
        for (int p = 0; p < steps; p++)
        {
            for (int j = 0; j < FewChannelKernel.Channels; j++) filters[p * FewChannelKernel.Channels + j] = j < g.K ? w[(long)j * steps + p] : 0f;
        }
        DirectConvolution.FillTapOffsets(layout, offsets);
        for (int v = 0; v < vectors; v++) origins[v] = layout.Origin(v * FewChannelKernel.Pixels);
        scratch.EnsureColumns(workers, layout.ImageSize);
        int next = 0;
        CpuParallel.For(workers, new Images
        {
            Layout = layout, X = x, Filters = filters, Bias = bias, Epilogue = epilogue, Y = y, Scratch = scratch,
            Offsets = offsets, Origins = origins, Steps = steps, Vectors = vectors, Next = &next,
        });
    }

    /// <summary>Worker w takes images from a shared counter, pads each into its own scratch and computes all its tiles.</summary>
    private struct Images : IParallelWork
    {
        public PaddedLayout Layout;
        public float* X, Filters, Bias, Y;
        public ConvEpilogue Epilogue;
        public ConvScratch Scratch;
        public int* Offsets, Origins, Next;
        public int Steps, Vectors;

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
                // With no image to come the tiles prefetch the padded copy they read anyway.
                float* ahead = following < g.N ? X + following * imageSize : padded;
                long image = (long)n * g.K * planes;
                for (int tile = 0; tile < Vectors; tile += FewChannelKernel.Vectors, ahead += Steps * FewChannelKernel.Pixels)
                {
                    int v = Math.Min(tile, Vectors - FewChannelKernel.Vectors);
                    long offset = image + v * FewChannelKernel.Pixels;
                    FewChannelKernel.Forward(Steps, Filters, Offsets, padded, Origins + v, Bias, g.K, Epilogue, Y + offset, offset, planes, ahead);
                }
                n = following;
            }
        }
    }
}
