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
            CpuParallel.For(block.InterleaveItems, new Interleave { Block = block, Source = x });
            CpuParallel.For(gradientBlock.InterleaveItems, new Interleave { Block = gradientBlock, Source = dy });
            CpuParallel.For(block.InputItems, new Inputs { Block = block });
            int tiles = count * plan.TilesPerImage;
            CpuParallel.For(tiles * (g.K / Lanes), new OutputGradients { Plan = plan, Gradients = gradients, Images = gradientImages, Dm = dm, Tiles = tiles });
            CpuParallel.For(Products, new Multiplies { Plan = plan, V = v, Dm = dm, Du = du, Tiles = tiles, Accumulate = b > 0 });
        }
        CpuParallel.For(g.C / Lanes * (g.K / Lanes), new FilterTaps { Plan = plan, Du = du, Dw = dw });
    }

    private struct Interleave : IParallelWork
    {
        public WinogradBlock<TV, TOps, THeight, TTranspose> Block;
        public float* Source;

        public readonly void Execute(int item) => Block.Interleave(item, Source);
    }

    private struct Inputs : IParallelWork
    {
        public WinogradBlock<TV, TOps, THeight, TTranspose> Block;

        public readonly void Execute(int item) => Block.Input(item);
    }

    /// <summary>dM = A dY Aᵀ for block tile item mod Tiles, channels of block item / Tiles.</summary>
    private struct OutputGradients : IParallelWork
    {
        public WinogradPlan Plan, Gradients;
        public float* Images, Dm;
        public int Tiles;

        public readonly void Execute(int item)
        {
            var g = Plan.G;
            int tile = item % Tiles, block = item / Tiles;
            var (n, tileRow, tileColumn) = Plan.Locate(tile);
            float* origin = Images + n * Gradients.ImageFloats + block * Gradients.ChannelBlockFloats
                + ((long)tileRow * OutputSide * Gradients.PaddedW + tileColumn * OutputSide) * Lanes;
            WinogradAdjoints<TV, TOps>.OutputGradient(origin, Gradients.PaddedW * Lanes, Dm + (long)tile * g.K + block * Lanes, Plan.ProductStride);
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

        public readonly void Execute(int xi)
        {
            var g = Plan.G;
            float* v = V + xi * Plan.InputStride;
            float* dm = Dm + xi * Plan.ProductStride;
            float* du = Du + xi * Plan.FilterStride;
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
                        WinogradGradientKernel<TV, TOps, THeight>.RunColumn(Tiles, v + c, g.C, dm + k, g.K, target, g.K, Accumulate);
                        c += WinogradGradientKernel<TV, TOps, THeight>.ColumnInputChannels;
                    }
                    else if (g.C - c >= rows && g.C - c - rows != 2)
                    {
                        WinogradGradientKernel<TV, TOps, THeight>.Run(Tiles, v + c, g.C, dm + k, g.K, target, g.K, Accumulate);
                        c += rows;
                    }
                    else
                    {
                        WinogradGradientKernel<TV, TOps, FourRows>.Run(Tiles, v + c, g.C, dm + k, g.K, target, g.K, Accumulate);
                        c += FourRows.Rows;
                    }
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
