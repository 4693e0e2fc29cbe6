using AutoLoRa.Cpu.Simd;
using static AutoLoRa.Cpu.Convolution.WinogradTransforms;
// AVX-512: 16-channel zmm vectors, the multiply in tiles of 8 tiles × 32 channels.
using Winograd16 = AutoLoRa.Cpu.Convolution.WinogradConvolution<System.Runtime.Intrinsics.Vector512<float>, AutoLoRa.Cpu.Simd.Vector512Ops, AutoLoRa.Cpu.Simd.EightRows, AutoLoRa.Cpu.Convolution.Transpose16>;
// AVX2: 8-channel ymm vectors, the multiply in tiles of 6 tiles × 16 channels (12 of 16 registers).
using Winograd8 = AutoLoRa.Cpu.Convolution.WinogradConvolution<System.Runtime.Intrinsics.Vector256<float>, AutoLoRa.Cpu.Simd.Vector256Ops, AutoLoRa.Cpu.Simd.SixRows, AutoLoRa.Cpu.Convolution.Transpose8>;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// 3×3 stride-1 convolution by Winograd's F(4×4, 3×3) (<see cref="WinogradTransforms"/>): a
/// quarter of the direct method's multiplications, for the price of transforming inputs, filter and
/// outputs. Channels travel as vectors through every stage, so each stage reads and writes
/// whole vectors: of 16 channels on AVX-512 (zmm), of 8 on AVX2 (ymm, <see cref="Lanes"/>); the stages
/// are <see cref="WinogradConvolution{TV, TOps, THeight, TTranspose}"/>, one code for both widths:
/// <list type="number">
/// <item>the filter becomes U[ξ][c][k] (36 matrices C × K);</item>
/// <item>for a block of whole images: channel-interleaved padded copies, V[ξ][t][c] = Bᵀ d B per
/// tile, M[ξ][t][k] = Σ_c V[ξ][t][c] U[ξ][c][k] (36 small GEMMs), then Aᵀ M A into y.</item>
/// </list>
/// Blocks are sized so their copies, V and M stay in cache. With small filters each core runs
/// whole blocks alone; with big ones all cores share a block stage by stage (over tiles, over ξ,
/// over tiles). Either way every tile is computed by the same operations in the same order.
/// Results differ from the direct method by rounding only (the transforms' coefficients are exact
/// in binary except 1/6, 1/12 and 1/24, relative error ≈ 1e-6).
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradConvolution
{
    /// <summary>
    /// The fixed choice of schedule (without autotuning): transformed filters up to this many floats
    /// (256 KiB: C·K ≤ 1820, the 16- and 32-channel stages of a narrow ResNet) are cheap to share
    /// from cache, so each core runs whole blocks alone, everything of a block in its own L2, with
    /// no barrier between stages. Measured on Zen 4; the autotuner times both schedules instead.
    /// </summary>
    private const long AloneFilterFloats = 1 << 16;

    /// <summary>Images, V and M of a block one core runs alone, or of a small shared block (512 KiB).</summary>
    private const long AloneBlockFloats = 128 << 10;

    /// <summary>Images, V and M of a block of <see cref="ConvAlgorithm.WinogradLargeBlocks"/> (64 MiB).</summary>
    private const long LargeBlockFloats = 16L << 20;

    /// <summary>What a block's images, V and M may take under the Winograd schedule <paramref name="schedule"/>.</summary>
    public static long BlockFloats(ConvAlgorithm schedule) => schedule switch
    {
        ConvAlgorithm.WinogradPerCore or ConvAlgorithm.WinogradSmallBlocks => AloneBlockFloats,
        ConvAlgorithm.WinogradLargeBlocks => LargeBlockFloats,
        _ => SharedBlockFloats,
    };

    /// <summary>Whether <paramref name="algorithm"/> is one of the Winograd schedules.</summary>
    public static bool IsSchedule(ConvAlgorithm algorithm) => algorithm is ConvAlgorithm.WinogradShared or ConvAlgorithm.WinogradPerCore
        or ConvAlgorithm.WinogradSmallBlocks or ConvAlgorithm.WinogradLargeBlocks;

    /// <summary>
    /// Images, V and M of a block all cores share stage by stage (4 MiB). Bigger blocks stream U
    /// through the multiply stage fewer times but leave the cache: blocks of a whole batch made the
    /// 256- and 512-channel stages of ResNet-18 10–20 % slower.
    /// </summary>
    internal const long SharedBlockFloats = 1 << 20;

    /// <summary>The schedule of the fixed choice: each core alone for small transformed filters (<see cref="AloneFilterFloats"/>).</summary>
    public static bool AloneByDefault(in ConvGeometry g) => (long)Products * g.C * g.K <= AloneFilterFloats;

    /// <summary>Whether this CPU runs the stages in hardware: AVX-512 (16 lanes) or AVX2 with FMA (8 lanes).</summary>
    public static bool IsSupported => Vector512Ops.IsSupported || Vector256Ops.IsSupported;

    /// <summary>Channels per vector on this CPU: 16 with AVX-512, else 8.</summary>
    public static int Lanes => Vector512Ops.IsSupported ? 16 : 8;

    /// <summary>Whether the algorithm can run the geometry at all: 3×3, stride 1, channels in whole vectors (of <see cref="Lanes"/>) both ways.</summary>
    public static bool Fits(in ConvGeometry g) => IsSupported && FitsVectors(g, Lanes);

    /// <summary>Whether the geometry is 3×3, stride 1, with channels in whole vectors of <paramref name="lanes"/> both ways.</summary>
    public static bool FitsVectors(in ConvGeometry g, int lanes) =>
        g.R == 3 && g.S == 3 && g.StrideH == 1 && g.StrideW == 1 && g.C % lanes == 0 && g.K % lanes == 0;

    /// <summary>
    /// The fixed choice (without autotuning): where it <see cref="Fits"/> and the 4×4 tiles covering
    /// the output waste at most half as much again (14×14 and 7×7 outputs pass at 1.31; 6×6 needs
    /// 8×8 of tiles, 1.78, and stays with the direct method).
    /// </summary>
    public static bool Applies(in ConvGeometry g)
    {
        if (!Fits(g)) return false;
        long covered = (long)WinogradPlan.TilesOf(g.OutH) * OutputSide * WinogradPlan.TilesOf(g.OutW) * OutputSide;
        return 2 * covered <= 3L * g.OutH * g.OutW;
    }

    /// <summary>
    /// y = conv(x, w) (+ bias), then <paramref name="epilogue"/> on each stored tile. With <paramref name="flippedTranspose"/> the filter is read as
    /// w[c][k][2 − r][2 − s] from a (C, K, 3, 3) array: the data gradient of a stride-1 convolution,
    /// without materialising the flipped filter. Under <see cref="ConvAlgorithm.WinogradPerCore"/>
    /// each core runs whole blocks by itself; under the other <paramref name="schedule"/>s all cores
    /// share each block stage by stage, in blocks of <see cref="BlockFloats"/>.
    /// </summary>
    public static void Forward(in ConvGeometry g, float* x, float* w, bool flippedTranspose, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch, ConvAlgorithm schedule)
    {
        if (Vector512Ops.IsSupported) Winograd16.Forward(g, x, w, flippedTranspose, bias, epilogue, y, scratch, schedule);
        else Winograd8.Forward(g, x, w, flippedTranspose, bias, epilogue, y, scratch, schedule);
    }
}

/// <summary>
/// The stages of <see cref="WinogradConvolution"/> at one vector width: channel vectors
/// <typeparamref name="TV"/>, the multiply kernel's rows <typeparamref name="THeight"/> and the
/// channel transpose <typeparamref name="TTranspose"/>.
/// </summary>
[SkipLocalsInit]
internal static unsafe class WinogradConvolution<TV, TOps, THeight, TTranspose>
    where TV : unmanaged
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
    where TTranspose : IChannelTranspose<TV>
{
    private static int Lanes => WinogradTransforms<TV, TOps>.Lanes;

    /// <summary>The sizes of a Winograd forward of <paramref name="g"/> in blocks of <paramref name="blockFloats"/>.</summary>
    public static WinogradPlan Plan(in ConvGeometry g, long blockFloats) =>
        new(g, Lanes, WinogradBlock<TV, TOps, THeight, TTranspose>.RowMultiple(g.K), blockFloats);

    /// <inheritdoc cref="WinogradConvolution.Forward"/>
    public static void Forward(in ConvGeometry g, float* x, float* w, bool flippedTranspose, float* bias, ConvEpilogue epilogue, float* y, ConvScratch scratch, ConvAlgorithm schedule)
    {
        bool alone = schedule == ConvAlgorithm.WinogradPerCore;
        int copies = alone ? CpuParallel.WorkerCount : 1;
        var plan = Plan(g, WinogradConvolution.BlockFloats(schedule));
        // U of a filter met before is reused (see WinogradFilterCache); otherwise transformed into a slot or the scratch.
        // Its layout depends on the width, which is the CPU's for every call of a process (tests of the other width use their own scratch).
        float* filter = scratch.FilterTransforms.Find(g, w,
            flippedTranspose ? WinogradFilterCache.FilterForm.WinogradFlipped : WinogradFilterCache.FilterForm.Winograd, plan.FilterFloats, out bool transform);
        if (filter == null) filter = scratch.WinogradFilter(plan.FilterFloats);
        float* images = scratch.WinogradImages(plan.ImagesFloats * copies);
        float* v = scratch.WinogradInputs(plan.InputFloats * copies);
        float* m = scratch.WinogradProducts(plan.ProductFloats * copies);

        if (transform)
        {
            CpuParallel.For(WinogradFilterTiles.Items(g, Lanes), new WinogradFilterTiles<TV, TOps, TTranspose>
            {
                G = g, Stride = plan.FilterStride, W = w, U = filter, Flipped = flippedTranspose, Chunks = WinogradFilterTiles.Chunks(g),
            });
        }
        if (alone)
        {
            int next = 0;
            CpuParallel.For(copies, new BlocksAlone { Plan = plan, X = x, Images = images, V = v, M = m, U = filter, Bias = bias, Epilogue = epilogue, Y = y, Next = &next });
            return;
        }
        for (int b = 0; b < plan.Blocks; b++)
        {
            var block = BlockAt(plan, b, images, v, m);
            CpuParallel.For(block.InterleaveItems, new WinogradInterleaveStage<TV, TOps, THeight, TTranspose> { Block = block, Source = x });
            CpuParallel.For(block.InputItems, new WinogradInputStage<TV, TOps, THeight, TTranspose> { Block = block });
            block.ClearPadding();
            CpuParallel.For(Products, new MultiplyStage { Block = block, U = filter });
            var output = new OutputStageRun { Block = block, Bias = bias, Y = y };
            epilogue.Run(ref output);
        }
    }

    private static WinogradBlock<TV, TOps, THeight, TTranspose> BlockAt(in WinogradPlan plan, int index, float* images, float* v, float* m)
    {
        int first = index * plan.ImagesPerBlock;
        return new WinogradBlock<TV, TOps, THeight, TTranspose>(plan, images, v, m, first, Math.Min(plan.ImagesPerBlock, plan.G.N - first));
    }

    /// <summary>
    /// Worker w takes whole blocks from a shared counter and runs every stage of each in its own buffers.
    /// The stages run over the whole block, V and M in L2: fusing input transform, multiply and output
    /// transform per group of 6, 12 or 24 tiles (V and M of a group in L1, U re-read per group) measured
    /// no faster on Zen 3 (16 channels at 32×32, one core, interleave included: 27.1–29.3 against 27.0–28.0 µs per image,
    /// each stage as fast as unfused): every stage is bound by its instructions, not by L2.
    /// <para>
    /// Two cores scale with the per-image cost: Zen 3, layer1 of r18w16-b64 (64 one-image blocks),
    /// fastest of ~500 calls, one thread 2084–2199 µs, two 1098–1146 µs (1.89–1.94×; the second worker
    /// joins 1–2 µs in, each takes 28–36 blocks). Blocks of part of an image (12 or 24 tiles) were slower
    /// on two cores (1276, 1337 µs), and M[ξ] written over the spent V[ξ − 1] (533 → 386 KB with x and y,
    /// under the 512 KB L2) timed the same. Slow calls are other processes holding the second core.
    /// </para>
    /// </summary>
    private struct BlocksAlone : IParallelWork
    {
        public WinogradPlan Plan;
        public float* X, Images, V, M, U, Bias, Y;
        public ConvEpilogue Epilogue;
        public int* Next;

        public readonly void Execute(int worker)
        {
            int b;
            while ((b = Interlocked.Increment(ref *Next) - 1) < Plan.Blocks)
            {
                var block = BlockAt(Plan, b, Images + worker * Plan.ImagesFloats, V + worker * Plan.InputFloats, M + worker * Plan.ProductFloats);
                for (int i = 0; i < block.InterleaveItems; i++) block.Interleave(i, X);
                block.InputByTiles();
                block.ClearPadding();
                for (int xi = 0; xi < Products; xi++)
                {
                    block.Multiply(xi, U);
                    block.PrefetchOutputs(xi, Products, Y, Epilogue);
                }
                block.OutputByTiles(Bias, Epilogue, Y);
            }
        }
    }

    private struct MultiplyStage : IParallelWork
    {
        public WinogradBlock<TV, TOps, THeight, TTranspose> Block;
        public float* U;

        public readonly void Execute(int xi) => Block.Multiply(xi, U);
    }

    /// <summary>The output stage over all cores, the epilogue's parts made types once for all its items.</summary>
    private struct OutputStageRun : IConvEpilogueUser
    {
        public WinogradBlock<TV, TOps, THeight, TTranspose> Block;
        public float* Bias, Y;

        public readonly void Run<TStage>(TStage stage) where TStage : struct, IConvEpilogueStage =>
            CpuParallel.For(Block.OutputItems, new OutputStage<TStage> { Block = Block, Bias = Bias, Epilogue = stage, Y = Y });
    }

    private struct OutputStage<TStage> : IParallelWork where TStage : struct, IConvEpilogueStage
    {
        public WinogradBlock<TV, TOps, THeight, TTranspose> Block;
        public float* Bias, Y;
        public TStage Epilogue;

        public readonly void Execute(int item) => Block.Output(item, Bias, Epilogue, Y);
    }
}
