using AutoLoRa.Cpu.Simd;
using static AutoLoRa.Cpu.Convolution.WinogradTransforms;
// AVX-512: 16-channel zmm vectors, the multiply in tiles of 8 input × 32 output channels.
using Gradient16 = AutoLoRa.Cpu.Convolution.WinogradFilterGradient<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows, AutoLoRa.Cpu.Convolution.Transpose16>;
// AVX2: 8-channel ymm vectors, the multiply in tiles of 6 input × 16 output channels (and of 4 where 6 do not divide what is left).
using Gradient8 = AutoLoRa.Cpu.Convolution.WinogradFilterGradient<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.SixRows, AutoLoRa.Cpu.Convolution.Transpose8>;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The filter gradient of a 3×3 stride-1 convolution in Winograd's F(4×4, 3×3) domain: with
/// V = Bᵀ d B per input tile (as in <see cref="WinogradConvolution"/>) and dM = A dY Aᵀ per output
/// gradient tile (<see cref="WinogradAdjoints{TV, TOps}"/>), dU[ξ][c][k] = Σ_tiles V[ξ][t][c] dM[ξ][t][k]
/// (36 GEMMs that sum over tiles), and dW = Gᵀ dU G once at the end. A quarter of the direct
/// method's multiplications. Blocks of whole images run stage by stage on all cores; the multiply
/// stage gives each ξ to one core and visits blocks in order, so the sums are the same on every run.
/// Under <see cref="ConvAlgorithm.WinogradPerCore"/> each core instead runs its fixed share of the
/// blocks alone into its own dU, and the shares are summed in order.
/// Channels travel as vectors of 16 on AVX-512 and of 8 on AVX2, as in the forward.
/// </summary>
internal static unsafe class WinogradFilterGradient
{
    /// <summary>Whether it can run the geometry on this CPU: as <see cref="WinogradConvolution.Fits"/>.</summary>
    public static bool Fits(in ConvGeometry g) => WinogradConvolution.Fits(g);

    /// <summary>
    /// The fixed choice (without autotuning) of whether the filter gradient goes this way: with 16
    /// channels both ways the transforms cost as much as they save (measured on Zen 4, r18w16-b64's
    /// first stage: 123 GFLOP/s against the direct method's 135; from 32 × 32 channels on it is
    /// 1.7–3.4× faster). The autotuner measures instead.
    /// </summary>
    public static bool Pays(in ConvGeometry g) => (long)g.C * g.K >= 32 * 32;

    /// <summary>
    /// dW = Σ_n dy_n ⋆ x_n for a geometry <see cref="Fits"/> accepts, in blocks
    /// of <see cref="WinogradConvolution.BlockFloats"/>; overwrites dw.
    /// </summary>
    public static void Compute(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch, ConvAlgorithm schedule)
    {
        if (Vector512Ops.IsSupported) Gradient16.Compute(g, x, dy, dw, scratch, schedule);
        else Gradient8.Compute(g, x, dy, dw, scratch, schedule);
    }
}

/// <summary>
/// The stages of <see cref="WinogradFilterGradient"/> at one vector width: channel vectors
/// <typeparamref name="TV"/>, the multiply kernel's rows of input channels <typeparamref name="THeight"/>
/// and the channel transpose <typeparamref name="TTranspose"/>.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradFilterGradient<TV, TOps, THeight, TTranspose>
    where TV : unmanaged
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
    where TTranspose : IChannelTranspose<TV>
{
    private static int Lanes => WinogradTransforms<TV, TOps>.Lanes;

    /// <inheritdoc cref="WinogradFilterGradient.Compute"/>
    public static void Compute(in ConvGeometry g, float* x, float* dy, float* dw, ConvScratch scratch, ConvAlgorithm schedule)
    {
        // Its multiply sums over the tiles there are: V needs no rows beyond them.
        var gradients = WinogradPlan.ForOutputGradients(g, Lanes);
        var plan = new WinogradPlan(g, Lanes, rowMultiple: 1, WinogradConvolution.BlockFloats(schedule), gradients.ImageFloats);
        if (schedule == ConvAlgorithm.WinogradPerCore)
        {
            ComputeAlone(plan, gradients, x, dy, dw, scratch);
            return;
        }
        float* images = scratch.WinogradImages(plan.ImagesFloats + plan.ImagesPerBlock * gradients.ImageFloats);
        float* gradientImages = images + plan.ImagesFloats;
        float* v = scratch.WinogradInputs(plan.InputFloats);
        float* dm = scratch.WinogradProducts(plan.ProductFloats);
        float* du = scratch.WinogradFilter(plan.FilterFloats);

        for (int b = 0; b < plan.Blocks; b++)
        {
            int first = b * plan.ImagesPerBlock, count = Math.Min(plan.ImagesPerBlock, g.N - first);
            var block = new WinogradBlock<TV, TOps, THeight, TTranspose>(plan, images, v, null, first, count);
            var gradientBlock = new WinogradBlock<TV, TOps, THeight, TTranspose>(gradients, gradientImages, null, null, first, count);
            CpuParallel.For(block.InterleaveItems, new WinogradInterleaveStage<TV, TOps, THeight, TTranspose> { Block = block, Source = x });
            CpuParallel.For(gradientBlock.InterleaveItems, new WinogradInterleaveStage<TV, TOps, THeight, TTranspose> { Block = gradientBlock, Source = dy });
            CpuParallel.For(block.InputItems, new WinogradInputStage<TV, TOps, THeight, TTranspose> { Block = block });
            int tiles = count * plan.TilesPerImage;
            int rows = count * (plan.TilesPerImage / plan.TilesW), groups = (g.K / Lanes + OutputGradients.GroupBlocks - 1) / OutputGradients.GroupBlocks;
            CpuParallel.For(rows * groups, new OutputGradients { Plan = plan, Gradients = gradients, Images = gradientImages, Dm = dm, Rows = rows });
            CpuParallel.For(Products, new Multiplies { Plan = plan, V = v, Dm = dm, Du = du, Tiles = tiles, Accumulate = b > 0 });
        }
        CpuParallel.For(g.C / Lanes * (g.K / Lanes), new FilterTaps { Plan = plan, Du = du, Dw = dw });
    }

    /// <summary>
    /// <see cref="ConvAlgorithm.WinogradPerCore"/>: part p of P (P = the workers, at most the blocks)
    /// runs blocks p, p + P, … through every stage alone, in its own buffers and its own dU, with no
    /// barrier between stages; the parts' dU are summed in order at the end. Each part's blocks are
    /// fixed, so the sums are the same on every run with the same number of workers. The shared
    /// schedule's barriers and its multiply stage over ξ (V and dM of a block read by both cores)
    /// cost the most where the channels are few (layer1 of r18w16-b64, 16 × 16 channels).
    /// </summary>
    private static void ComputeAlone(in WinogradPlan plan, in WinogradPlan gradients, float* x, float* dy, float* dw, ConvScratch scratch)
    {
        var g = plan.G;
        int parts = Math.Min(CpuParallel.WorkerCount, plan.Blocks);
        long imagesFloats = plan.ImagesFloats + plan.ImagesPerBlock * gradients.ImageFloats;
        var work = new BlocksAlone
        {
            Plan = plan, Gradients = gradients, X = x, Dy = dy, Parts = parts, ImagesFloats = imagesFloats,
            Images = scratch.WinogradImages(imagesFloats * parts),
            V = scratch.WinogradInputs(plan.InputFloats * parts),
            Dm = scratch.WinogradProducts(plan.ProductFloats * parts),
            Du = scratch.WinogradFilter(plan.FilterFloats * parts),
        };
        CpuParallel.For(parts, work);
        if (parts > 1) CpuParallel.For(Products, new SumParts { Plan = plan, Du = work.Du, Parts = parts });
        CpuParallel.For(g.C / Lanes * (g.K / Lanes), new FilterTaps { Plan = plan, Du = work.Du, Dw = dw });
    }

    /// <summary>Part item's blocks (item, item + Parts, …), every stage on one core, summed into its own dU.</summary>
    private struct BlocksAlone : IParallelWork
    {
        public WinogradPlan Plan, Gradients;
        public float* X, Dy, Images, V, Dm, Du;
        public long ImagesFloats;
        public int Parts;

        public readonly void Execute(int part)
        {
            float* images = Images + part * ImagesFloats, gradientImages = images + Plan.ImagesFloats;
            float* v = V + part * Plan.InputFloats, dm = Dm + part * Plan.ProductFloats, du = Du + part * Plan.FilterFloats;
            for (int b = part; b < Plan.Blocks; b += Parts)
            {
                int first = b * Plan.ImagesPerBlock, count = Math.Min(Plan.ImagesPerBlock, Plan.G.N - first);
                var block = new WinogradBlock<TV, TOps, THeight, TTranspose>(Plan, images, v, null, first, count);
                var gradientBlock = new WinogradBlock<TV, TOps, THeight, TTranspose>(Gradients, gradientImages, null, null, first, count);
                for (int i = 0; i < block.InterleaveItems; i++) block.Interleave(i, X);
                for (int i = 0; i < gradientBlock.InterleaveItems; i++) gradientBlock.Interleave(i, Dy);
                block.InputByTiles();
                OutputGradientsByTiles(Plan, Gradients, gradientImages, dm, 0, count * (Plan.TilesPerImage / Plan.TilesW), 0, Plan.G.K / Lanes);
                int tiles = count * Plan.TilesPerImage;
                for (int xi = 0; xi < Products; xi++) Multiply(Plan, v, dm, du, tiles, accumulate: b != part, xi);
            }
        }
    }

    /// <summary>dU of part 0 += dU of parts 1, 2, … in order, for ξ = item.</summary>
    private struct SumParts : IParallelWork
    {
        public WinogradPlan Plan;
        public float* Du;
        public int Parts;

        public readonly void Execute(int xi)
        {
            int length = Plan.G.C * Plan.G.K, lanes = Lanes;
            float* target = Du + xi * Plan.FilterStride;
            for (int p = 1; p < Parts; p++)
            {
                float* source = target + p * Plan.FilterFloats;
                for (int i = 0; i < length; i += lanes) TOps.Store(TOps.Add(TOps.Load(target + i), TOps.Load(source + i)), target + i);
            }
        }
    }

    /// <summary>
    /// dM = A dY Aᵀ for a block's tile rows [<paramref name="firstRow"/>, + <paramref name="rows"/>)
    /// (numbered image by image), channel blocks [<paramref name="firstBlock"/>, + <paramref name="blockCount"/>),
    /// tile by tile with a tile's channel blocks together (as <see cref="WinogradBlock{TV, TOps, THeight, TTranspose}.InputByTiles"/>):
    /// the tiles are walked in order, with no divisions per tile to locate them, and with all channel
    /// blocks each tile's row of dM (K floats per ξ) is written whole at once.
    /// </summary>
    private static void OutputGradientsByTiles(in WinogradPlan plan, in WinogradPlan gradients, float* gradientImages, float* dm,
        int firstRow, int rows, int firstBlock, int blockCount)
    {
        int k = plan.G.K, tilesW = plan.TilesW, tilesH = plan.TilesPerImage / tilesW;
        int rowStride = gradients.PaddedW * Lanes;
        long channelBlock = gradients.ChannelBlockFloats, stride = plan.ProductStride;
        float* dmt = dm + ((long)firstRow * tilesW * k + firstBlock * Lanes);
        float* source = gradientImages + firstBlock * channelBlock;
        int n = firstRow / tilesH, tileRow = firstRow - n * tilesH;
        for (int r = 0; r < rows; r++)
        {
            float* origin = source + n * gradients.ImageFloats + (long)tileRow * OutputSide * rowStride;
            for (int tileColumn = 0; tileColumn < tilesW; tileColumn++, origin += OutputSide * Lanes, dmt += k)
            {
                for (int block = 0; block < blockCount; block++)
                {
                    WinogradAdjoints<TV, TOps>.OutputGradient(origin + block * channelBlock, rowStride, dmt + block * Lanes, stride);
                }
            }
            if (++tileRow == tilesH)
            {
                tileRow = 0;
                n++;
            }
        }
    }

    /// <summary>
    /// dM = A dY Aᵀ for tile row item mod Rows of the block, channels of block group item / Rows: a
    /// row's tiles walked in order, where items of single tiles located each by divisions
    /// (<see cref="WinogradPlan.Locate"/>, 2.7 % of the filter gradient's profile). A group is the
    /// channel blocks of a 64-byte cache line of dM (two of 8 lanes), so two cores never write one line.
    /// </summary>
    private struct OutputGradients : IParallelWork
    {
        public WinogradPlan Plan, Gradients;
        public float* Images, Dm;
        public int Rows;

        public static int GroupBlocks => Math.Max(1, 16 / Lanes);

        public readonly void Execute(int item)
        {
            int group = item / Rows, blocks = Plan.G.K / Lanes, first = group * GroupBlocks;
            OutputGradientsByTiles(Plan, Gradients, Images, Dm, item - group * Rows, 1, first, Math.Min(GroupBlocks, blocks - first));
        }
    }

    /// <summary>
    /// dU[ξ] (+)= V[ξ]ᵀ dM[ξ] for one ξ, in blocks of <typeparamref name="THeight"/>'s input × two
    /// vectors of output channels, or for a last vector of output channels 8 input channels × one.
    /// Input channels come in whole vectors (8s on AVX2), which 6-row blocks need not divide: where
    /// one would leave 2 channels, 4-row blocks finish (8 = 4 + 4). Six rows keep 12 chains of FMAs
    /// in flight where four kept 8, about the FMA latency × throughput of Zen 3.
    /// </summary>
    private struct Multiplies : IParallelWork
    {
        public WinogradPlan Plan;
        public float* V, Dm, Du;
        public int Tiles;
        public bool Accumulate;

        public readonly void Execute(int xi) => Multiply(Plan, V, Dm, Du, Tiles, Accumulate, xi);
    }

    /// <summary>dU[ξ] (+)= V[ξ]ᵀ dM[ξ] over <paramref name="tiles"/> tiles: see <see cref="Multiplies"/>.</summary>
    private static void Multiply(in WinogradPlan plan, float* vAll, float* dmAll, float* duAll, int tiles, bool accumulate, int xi)
    {
        var g = plan.G;
        float* v = vAll + xi * plan.InputStride;
        float* dm = dmAll + xi * plan.ProductStride;
        float* du = duAll + xi * plan.FilterStride;
        int channels = WinogradGradientKernel<TV, TOps, THeight>.OutputChannels;
        for (int k = 0; k < g.K; k += channels)
        {
            bool whole = g.K - k >= channels;
            int rows = WinogradGradientKernel<TV, TOps, THeight>.InputChannels;
            for (int c = 0; c < g.C;)
            {
                float* target = du + (long)c * g.K + k;
                if (!whole)
                {
                    WinogradGradientKernel<TV, TOps, THeight>.RunColumn(tiles, v + c, g.C, dm + k, g.K, target, g.K, accumulate);
                    c += WinogradGradientKernel<TV, TOps, THeight>.ColumnInputChannels;
                }
                else if (g.C - c >= rows && g.C - c - rows != 2)
                {
                    WinogradGradientKernel<TV, TOps, THeight>.Run(tiles, v + c, g.C, dm + k, g.K, target, g.K, accumulate);
                    c += rows;
                }
                else
                {
                    WinogradGradientKernel<TV, TOps, FourRows>.Run(tiles, v + c, g.C, dm + k, g.K, target, g.K, accumulate);
                    c += FourRows.Rows;
                }
            }
        }
    }

    /// <summary>
    /// dW[k][c] = Gᵀ dU[·][c][k] G for L input channels (block item / (K/L)) × L output channels:
    /// each output channel's 9L taps of the L input channels lie together in dW, so L×L transposes of
    /// the 9L tap vectors store them as whole vectors, where each tap was a scalar store.
    /// </summary>
    private struct FilterTaps : IParallelWork
    {
        public WinogradPlan Plan;
        public float* Du, Dw;

        public readonly void Execute(int item)
        {
            var g = Plan.G;
            int blocks = g.K / Lanes;
            int c0 = item / blocks * Lanes, k0 = item % blocks * Lanes;
            // taps[9i + t]: tap t of input channel c0 + i, a vector over the output channels.
            var taps = stackalloc TV[9 * Lanes];
            for (int i = 0; i < Lanes; i++)
            {
                WinogradAdjoints<TV, TOps>.FilterGradient(Du + (long)(c0 + i) * g.K + k0, Plan.FilterStride, taps + 9 * i);
            }
            // Output channel k0 + l's taps of channels c0.. are dw[((k0 + l)·C + c0)·9 + 9i + t]: rows of the transposes.
            float* target = Dw + ((long)k0 * g.C + c0) * 9;
            for (int q = 0; q < 9; q++)
            {
                TTranspose.Copy((float*)(taps + q * Lanes), Lanes, new StridedRows<TV, TOps>(target + q * Lanes, (long)g.C * 9));
            }
        }
    }
}
