using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Simd;
using static AutoLoRa.Cpu.Convolution.WinogradTransforms;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// One block of whole images in flight through <see cref="WinogradConvolution"/>: images
/// [First, First + Count) of the batch, their channel-interleaved padded copies, the transformed
/// inputs V[ξ][t][c] and the products M[ξ][t][k] of their tiles (<see cref="WinogradPlan.Capacity"/>
/// tile rows per ξ). Each stage is split into independent items, so a block can be shared by all
/// cores stage by stage or run whole by one. Channels travel as vectors of L =
/// <see cref="WinogradTransforms{TV, TOps}.Lanes"/> (a channel block); <typeparamref name="THeight"/>
/// is the multiply kernel's rows, <typeparamref name="TTranspose"/> the L×L transpose.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct WinogradBlock<TV, TOps, THeight, TTranspose>(WinogradPlan plan, float* images, float* v, float* m, int first, int count)
    where TV : unmanaged
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
    where TTranspose : IChannelTranspose<TV>
{
    private static int Lanes => WinogradTransforms<TV, TOps>.Lanes;

    private int Tiles => count * plan.TilesPerImage;

    /// <summary>Tile rows the multiply stage runs: the tiles rounded up to its rows.</summary>
    private int Rows => plan.RoundRows(Tiles);

    /// <summary>Items of the interleave stage: images × channel blocks.</summary>
    public int InterleaveItems => count * (plan.G.C / Lanes);

    /// <summary>Items of the input stage: channel blocks × tiles.</summary>
    public int InputItems => Tiles * (plan.G.C / Lanes);

    /// <summary>
    /// Side-by-side tiles the output stage writes together (where <see cref="Groups"/>): those whose
    /// output rows fill a 64-byte line of each channel's row where the rows are whole lines (4 tiles,
    /// one vector with 16 lanes, two with 8), else those that fill one vector (2 with 8 lanes).
    /// </summary>
    private int GroupTiles => plan.OutW % LineFloats == 0 ? LineFloats / OutputSide : Lanes / OutputSide;

    /// <summary>Floats of a 64-byte cache line.</summary>
    private const int LineFloats = 16;

    /// <summary>
    /// Whether the output stage writes <see cref="GroupTiles"/> side-by-side tiles at once: with rows of
    /// whole vectors (L, 2L, … wide) each channel's four rows then go out as four full-vector stores.
    /// </summary>
    private bool Groups => plan.G.OutW % Lanes == 0;

    /// <summary>Items of the output stage: channel blocks × tiles (or groups of tiles).</summary>
    public int OutputItems => (Groups ? Tiles / GroupTiles : Tiles) * (plan.G.K / Lanes);

    /// <summary>
    /// Image item / (C/L), channels of block item mod (C/L), into the padded interleaved layout:
    /// L pixels of the L channel planes at a time, transposed into L channel vectors.
    /// </summary>
    public void Interleave(int item, float* x)
    {
        var g = plan.G;
        int blocks = g.C / Lanes;
        int local = item / blocks, block = item % blocks;
        float* destination = images + local * plan.ImageFloats + block * plan.ChannelBlockFloats;
        ClearBorder(destination);
        int plane = g.H * g.W;
        float* source = x + ((long)(first + local) * g.C + block * Lanes) * plane;
        if (g.W % Lanes == 0)
        {
            // Rows of whole vectors (L, 2L, … wide) take the L pixels from one row: consecutive stores,
            // the rows walked in order where each L pixels' place came from PaddedOffset (a call and a
            // division each; Zen 3, one core, a 16-channel 32×32 image, fastest of 800 in five alternating
            // runs: 2.5–2.7 → 2.3–2.4 µs).
            long rowStride = (long)plan.PaddedW * Lanes;
            float* line = destination + plan.PaddedOffset(0);
            for (int h = 0; h < g.H; h++, source += g.W, line += rowStride)
            {
                for (int w = 0; w < g.W; w += Lanes) TTranspose.Copy(source + w, plane, new StridedRows<TV, TOps>(line + w * Lanes, Lanes));
            }
            return;
        }
        int p = InterleavePixels(source, destination, plane);
        for (; p < plane; p++)
        {
            float* dst = destination + plan.PaddedOffset(p);
            for (int lane = 0; lane < Lanes; lane++) dst[lane] = source[(long)lane * plane + p];
        }
    }

    /// <summary>
    /// The whole vectors of pixels of a plane whose rows are not (W mod L ≠ 0: e.g. 4×4 planes, two
    /// rows per 8-pixel transpose): each L pixels' places in the padded block listed before their
    /// transpose by walking the rows, where <see cref="WinogradPlan.PaddedOffset"/> divided per pixel
    /// (2.4 % of layer4 of r18w16-b64 on Zen 3). Returns the pixels done.
    /// </summary>
    private int InterleavePixels(float* source, float* destination, int plane)
    {
        int width = plan.G.W, column = 0, p = 0;
        long at = plan.PaddedOffset(0), skip = (long)(plan.PaddedW - width) * Lanes;
        long* offsets = stackalloc long[Lanes];
        for (; p + Lanes <= plane; p += Lanes)
        {
            for (int i = 0; i < Lanes; i++)
            {
                offsets[i] = at;
                at += Lanes;
                if (++column == width)
                {
                    column = 0;
                    at += skip;
                }
            }
            TTranspose.Copy(source + p, plane, new ListedPixels(destination, offsets));
        }
        return p;
    }

    /// <summary>Row i of a transposed block is a pixel's channel vector: stored at offsets[i] in the padded block.</summary>
    private readonly struct ListedPixels(float* block, long* offsets) : IRowSink<TV>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(int index, TV values) => TOps.Store(values, block + offsets[index]);
    }

    /// <summary>
    /// V = Bᵀ d B for tile item mod tiles, channels of block item / tiles. Items run channel block
    /// by channel block: both cores then read one plane block's rows in order (tile-major order,
    /// the cores alternating channel blocks of one tile, ran the 64-channel stage at a third of the speed).
    /// </summary>
    public void Input(int item)
    {
        var g = plan.G;
        int tile = item % Tiles, block = item / Tiles;
        var (n, tileRow, tileColumn) = plan.Locate(tile);
        float* origin = images + n * plan.ImageFloats + block * plan.ChannelBlockFloats
            + ((long)tileRow * OutputSide * plan.PaddedW + tileColumn * OutputSide) * Lanes;
        WinogradTransforms<TV, TOps>.Input(origin, plan.PaddedW * Lanes, v + (long)tile * g.C + block * Lanes, plan.InputStride);
    }

    /// <summary>
    /// The whole input stage on one core, tile by tile with a tile's channel blocks together: each
    /// tile's row of V (C floats per ξ, a cache line at C = 16) is then written whole at once. In
    /// <see cref="Input"/>'s item order each line was written in C/L parts a whole pass over the
    /// block apart, brought from L2 into L1 once per part. Zen 3, one core, a one-image block of
    /// 16 channels at 32×32 (layer1 of r18w16-b64) in cache, best of 1500: 6.9 → 6.6 µs.
    /// </summary>
    public void InputByTiles()
    {
        // Tiles walked image by image, row by row: no divisions per tile to locate it (as Input's item needs).
        int c = plan.G.C, blocks = c / Lanes, tilesW = plan.TilesW, tilesH = plan.TilesPerImage / tilesW;
        int rowStride = plan.PaddedW * Lanes;
        long channelBlock = plan.ChannelBlockFloats, stride = plan.InputStride;
        float* vt = v;
        for (int n = 0; n < count; n++)
        {
            for (int tileRow = 0; tileRow < tilesH; tileRow++)
            {
                float* origin = images + n * plan.ImageFloats + (long)tileRow * OutputSide * rowStride;
                for (int tileColumn = 0; tileColumn < tilesW; tileColumn++, origin += OutputSide * Lanes, vt += c)
                {
                    for (int block = 0; block < blocks; block++)
                    {
                        WinogradTransforms<TV, TOps>.Input(origin + block * channelBlock, rowStride, vt + block * Lanes, stride);
                    }
                }
            }
        }
    }

    /// <summary>Zeroes V's rows past the last tile, which the multiply stage's rows read.</summary>
    public void ClearPadding()
    {
        int c = plan.G.C;
        for (int xi = 0; Rows > Tiles && xi < Products; xi++)
        {
            new Span<float>(v + xi * plan.InputStride + (long)Tiles * c, (Rows - Tiles) * c).Clear();
        }
    }

    /// <summary>
    /// M[ξ] = V[ξ] · U[ξ] (U packed as <see cref="WinogradFilterTiles{TV, TOps, TTranspose}"/> leaves it),
    /// in the kernel's rows of tiles (the last at most four tiles in a <see cref="FourRows"/> tile) and
    /// columns of two vectors of channels, or for a last vector of channels rows of 8 tiles (16 where
    /// <see cref="WinogradGemmKernel{TV, TOps, THeight}.TallColumns"/>).
    /// </summary>
    public void Multiply(int xi, float* u)
    {
        var g = plan.G;
        float* vx = v + xi * plan.InputStride;
        float* ux = u + xi * plan.FilterStride;
        float* mx = m + xi * plan.ProductStride;
        long panel = (long)g.C * Lanes;
        int rows = Rows, tiles = Tiles;
        int step = WinogradGemmKernel<TV, TOps, THeight>.Tiles, columnStep = WinogradGemmKernel<TV, TOps, THeight>.ColumnTiles;
        for (int k = 0; k < g.K; k += WinogradGemmKernel<TV, TOps, THeight>.Channels)
        {
            float* u0 = ux + k / Lanes * panel;
            int t = 0;
            if (g.K - k >= WinogradGemmKernel<TV, TOps, THeight>.Channels)
            {
                // Whole register tiles, then the last few tiles in a four-row one rather than a whole one
                // over zeroed rows: a block of 32 tiles (two 16×16 images) multiplies 34 rows, not 36
                // (Zen 3, 32 channels: multiply stage 29.5 → 27.6 µs; 64 tiles of a 32×32 image 66 → 64 rows, 14.8 → 14.0-14.7 µs).
                for (; tiles - t > ShortTiles; t += step)
                {
                    WinogradGemmKernel<TV, TOps, THeight>.Run(g.C, vx + (long)t * g.C, g.C, u0, u0 + panel, mx + (long)t * g.K + k, g.K);
                }
                if (t < tiles) WinogradGemmKernel<TV, TOps, FourRows>.Run(g.C, vx + (long)t * g.C, g.C, u0, u0 + panel, mx + (long)t * g.K + k, g.K);
                continue;
            }
            while (t < rows)
            {
                float* vt = vx + (long)t * g.C, mt = mx + (long)t * g.K + k;
                if (WinogradGemmKernel<TV, TOps, THeight>.TallColumns && rows - t >= 2 * columnStep)
                {
                    WinogradGemmKernel<TV, TOps, THeight>.RunColumnTall(g.C, vt, g.C, u0, mt, g.K);
                    t += 2 * columnStep;
                }
                else
                {
                    WinogradGemmKernel<TV, TOps, THeight>.RunColumn(g.C, vt, g.C, u0, mt, g.K);
                    t += columnStep;
                }
            }
        }
    }

    /// <summary>
    /// Prefetches part <paramref name="part"/> of <paramref name="parts"/> of the cache lines the output
    /// stage will write in y and read of the epilogue's addend and mask into L2 (where x86 has the
    /// instruction): issued between the multiply's ξ, whose arithmetic hides the misses, where the output
    /// stage met them a transpose at a time, its rows of 8 or 16 channels a plane apart too many streams
    /// for the hardware's prefetchers (a batch's operands of 4 MiB each come from L3 or memory).
    /// Only where the epilogue reads an addend or mask, for groups (<see cref="Groups"/>; 4-wide rows store
    /// whole lines in order) and blocks whose outputs take at most <see cref="PrefetchFloats"/>. Zen 3, one
    /// thread, 64 images, fastest of 200 in two or three processes each way: 16 channels at 32×32 (layer1
    /// of r18w16-b64), forward with addend and ReLU 2437–2489 → 2227–2267 µs, data gradient under a mask
    /// 2451–2507 → 2217–2234 µs (without y's lines 2200–2304, 2249–2270); 32 at 16×16 addend and ReLU
    /// 1888–2015 → 1654–1742; 64 at 8×8 1262–1320 → 1163–1172. Without an epilogue 2030–2095 → 1986–2022
    /// µs at one thread, unclear at two; 64 channels at 32×32 (256 KiB of y per one-image block, with V and
    /// M past L2 already) lost 2–4 %, 4×4 planes 2 %.
    /// </summary>
    public void PrefetchOutputs(int part, int parts, float* y, ConvEpilogue epilogue)
    {
        long planeSize = (long)plan.OutH * plan.OutW, floats = (long)count * plan.G.K * planeSize;
        if (!Sse.IsSupported || !Groups || floats > PrefetchFloats || (epilogue.Addend == null && epilogue.Mask == null)) return;
        long start = (long)first * plan.G.K * planeSize, lines = floats / LineFloats, share = (lines + parts - 1) / parts;
        long end = Math.Min(lines, (part + 1) * share);
        for (long line = part * share; line < end; line++)
        {
            long at = start + line * LineFloats;
            Sse.Prefetch1(y + at);
            if (epilogue.Addend != null) Sse.Prefetch1(epilogue.Addend + at);
            if (epilogue.Mask != null) Sse.Prefetch1(epilogue.Mask + at);
        }
    }

    /// <summary>The most output floats of a block <see cref="PrefetchOutputs"/> prefetches (128 KiB of each operand).</summary>
    private const long PrefetchFloats = 32 << 10;

    /// <summary>Most tiles the multiply's last, shorter register tile takes (<see cref="FourRows"/>).</summary>
    private static int ShortTiles => WinogradGemmKernel<TV, TOps, FourRows>.Tiles;

    /// <summary>
    /// What V's and M's rows are rounded up to for output channels <paramref name="k"/>: the kernel's
    /// rows, or also whole 8-row columns where a last vector of channels is left over.
    /// </summary>
    public static int RowMultiple(int k)
    {
        int rows = WinogradGemmKernel<TV, TOps, THeight>.Tiles;
        if (k % WinogradGemmKernel<TV, TOps, THeight>.Channels == 0) return rows;
        int columns = WinogradGemmKernel<TV, TOps, THeight>.ColumnTiles;
        int lcm = rows;
        while (lcm % columns != 0) lcm += rows;
        return lcm;
    }

    /// <summary>
    /// The whole output stage on one core, tile (or group) by tile with a tile's channel blocks
    /// together, so each row of M is read whole at once (see <see cref="InputByTiles"/>): 8.1 → 7.1 µs
    /// for the same block, the whole block 32.8 → 31.9 µs.
    /// </summary>
    public void OutputByTiles(float* bias, ConvEpilogue epilogue, float* y)
    {
        var run = new OutputTilesRun { Block = this, Bias = bias, Y = y };
        epilogue.Run(ref run);
    }

    /// <summary><see cref="OutputByTiles"/> with the epilogue's parts made types.</summary>
    private struct OutputTilesRun : IConvEpilogueUser
    {
        public WinogradBlock<TV, TOps, THeight, TTranspose> Block;
        public float* Bias, Y;

        public readonly void Run<TStage>(TStage stage) where TStage : struct, IConvEpilogueStage => Block.OutputByTiles(Bias, stage, Y);
    }

    /// <summary>
    /// The 4×4 outputs (Aᵀ M A, plus bias) of tile (or group of tiles) item mod units for the
    /// channels of block item / units, each stored row then passed through <paramref name="epilogue"/>
    /// (<see cref="ConvEpilogue.Run"/> makes its parts types once per stage).
    /// </summary>
    public void Output<TStage>(int item, float* bias, TStage epilogue, float* y) where TStage : struct, IConvEpilogueStage
    {
        var g = plan.G;
        int units = Groups ? Tiles / GroupTiles : Tiles;
        int unit = item % units, block = item / units;
        if (Groups)
        {
            var (image, row, column) = plan.Locate(unit * GroupTiles);
            OutputGroup(unit * GroupTiles, image, row, column, block, bias, epilogue, y);
            return;
        }
        var outputs = stackalloc TV[OutputSide * OutputSide];
        WinogradTransforms<TV, TOps>.Output(m + (long)unit * g.K + block * Lanes, plan.ProductStride, BiasOf(bias, block), outputs, OutputSide);
        var (n, tileRow, tileColumn) = plan.Locate(unit);
        // A last row or column of tiles may reach past the output: only what lies inside is stored.
        int rows = Math.Min(OutputSide, plan.OutH - tileRow * OutputSide);
        int columns = Math.Min(OutputSide, plan.OutW - tileColumn * OutputSide);
        long planeSize = (long)plan.OutH * plan.OutW;
        long offset = ((long)(first + n) * g.K + block * Lanes) * planeSize + (long)tileRow * OutputSide * plan.OutW + tileColumn * OutputSide;
        // Lanes are channels; y wants each channel's pixels together: after transposing each L×L
        // block of the 16 outputs, vector l of block b holds channel l's outputs 16b/L .. +L, one
        // output row per four floats.
        if (plan.OutW == OutputSide && rows == OutputSide)
        {
            // 4-wide outputs (4×4 planes): a channel's whole tile is 16 consecutive floats of y, so the
            // transposed vectors go out whole as they are made, where each output row took a 128-bit store.
            for (int b = 0; b < OutputSide * OutputSide / Lanes; b++)
            {
                TTranspose.Copy((float*)(outputs + b * Lanes), Lanes, new ChannelRows<TStage>(y, offset + b * Lanes, planeSize, epilogue));
            }
            return;
        }
        for (int b = 0; b < OutputSide * OutputSide / Lanes; b++)
        {
            float* square = (float*)(outputs + b * Lanes);
            TTranspose.Copy(square, Lanes, new StridedRows<TV, TOps>(square, Lanes));
        }
        for (int lane = 0; lane < Lanes; lane++, offset += planeSize)
        {
            for (int i = 0; i < rows; i++)
            {
                // Output row i of channel lane: in block 4i / L, four floats at 4i mod L.
                float* values = (float*)(outputs + i * OutputSide / Lanes * Lanes + lane) + i * OutputSide % Lanes;
                long at = offset + (long)i * plan.OutW;
                if (columns == OutputSide)
                {
                    var row = Vector128.Load(values);
                    Vector128.Store(epilogue.On<Vector128<float>, Vector128Ops>(row, at), y + at);
                    continue;
                }
                new ReadOnlySpan<float>(values, columns).CopyTo(new Span<float>(y + at, columns));
                epilogue.Epilogue.Apply(y, at, columns);
            }
        }
    }

    private void OutputByTiles<TStage>(float* bias, TStage epilogue, float* y) where TStage : struct, IConvEpilogueStage
    {
        int blocks = plan.G.K / Lanes, units = OutputItems / blocks;
        if (!Groups)
        {
            for (int unit = 0; unit < units; unit++)
            {
                for (int block = 0; block < blocks; block++) Output(block * units + unit, bias, epilogue, y);
            }
            return;
        }
        // Groups walked image by image, row by row, as InputByTiles walks the tiles.
        int tilesW = plan.TilesW, tilesH = plan.TilesPerImage / tilesW, tile = 0;
        for (int n = 0; n < count; n++)
        {
            for (int tileRow = 0; tileRow < tilesH; tileRow++)
            {
                for (int tileColumn = 0; tileColumn < tilesW; tileColumn += GroupTiles, tile += GroupTiles)
                {
                    for (int block = 0; block < blocks; block++) OutputGroup(tile, n, tileRow, tileColumn, block, bias, epilogue, y);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="GroupTiles"/> side-by-side tiles (rows of whole vectors, see <see cref="Groups"/>):
    /// the output transforms lay each output row of the group out as channel vectors in pixel
    /// order, so one transpose per L pixels turns them into the L channels' rows of L pixels, stored whole
    /// (a transpose per tile and a 4×4 shuffle of 128-bit quarters per channel before). The first
    /// tile lies in image <paramref name="n"/> of the block at <paramref name="tileRow"/>, <paramref name="tileColumn"/>.
    /// <para>
    /// With 8 lanes a group of 16 pixels is two transposes, and each channel's 64-byte line of the
    /// row is stored (and its addend or mask read) as its two halves back to back: y's channel planes
    /// lie a multiple of 4 KiB apart at 32×32, so all of a row's lines fall into one set of L1, with
    /// the addend's lines (16 or more for 8 ways), and lines stored half by half, a group apart, were
    /// evicted between their halves. Zen 3, one core, layer1 of r18w16-b64 (16 channels, 32×32),
    /// output stage per image, fastest of 1000 interleaved with the 8-pixel groups, addend at the
    /// same offset mod 4 KiB as y: addend + ReLU 13.3 → 9.1 µs, mask 12.0 → 8.7 µs; one line apart:
    /// 7.4 → 6.2, 7.3 → 6.1 µs; no epilogue 5.4–5.6 either way.
    /// </para>
    /// </summary>
    private void OutputGroup<TStage>(int firstTile, int n, int tileRow, int tileColumn, int block, float* bias, TStage epilogue, float* y)
        where TStage : struct, IConvEpilogueStage
    {
        var g = plan.G;
        int tiles = GroupTiles, pixels = tiles * OutputSide;
        // rows[pixels·i + 4·t + j]: output row i, column j of tile t.
        var rows = stackalloc TV[OutputSide * LineFloats];
        float* blockBias = BiasOf(bias, block);
        for (int t = 0; t < tiles; t++)
        {
            WinogradTransforms<TV, TOps>.Output(m + (long)(firstTile + t) * g.K + block * Lanes, plan.ProductStride, blockBias, rows + t * OutputSide, pixels);
        }
        int count = Math.Min(OutputSide, plan.OutH - tileRow * OutputSide);
        long planeSize = (long)plan.OutH * plan.OutW;
        long start = ((long)(first + n) * g.K + block * Lanes) * planeSize + (long)tileRow * OutputSide * plan.OutW + tileColumn * OutputSide;
        StoreGroup(rows, pixels, count, y, start, plan.OutW, planeSize, epilogue);
    }

    /// <summary>
    /// The first <paramref name="count"/> output rows of a group (<paramref name="pixels"/> channel vectors
    /// each, from <paramref name="rows"/>) transposed into y's channel rows from <paramref name="start"/>.
    /// A call of its own: inlined into <see cref="OutputGroup"/> after the output transforms, the sinks'
    /// stores and epilogue ran as calls once the JIT's inlining budget for the method was spent.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreGroup<TStage>(TV* rows, int pixels, int count, float* y, long start, int width, long planeSize, TStage epilogue)
        where TStage : struct, IConvEpilogueStage
    {
        var left = stackalloc TV[Lanes];
        for (int i = 0; i < count; i++)
        {
            float* row = (float*)(rows + i * pixels);
            long at = start + (long)i * width;
            if (pixels == Lanes)
            {
                // Each channel's row goes through the epilogue into y as the transpose makes it.
                TTranspose.Copy(row, Lanes, new ChannelRows<TStage>(y, at, planeSize, epilogue));
                continue;
            }
            TTranspose.Copy(row, Lanes, new StridedRows<TV, TOps>((float*)left, Lanes));
            TTranspose.Copy(row + Lanes * Lanes, Lanes, new ChannelRowPairs<TStage>(left, y, at, planeSize, epilogue));
        }
    }

    /// <summary>Row l of a transposed block is channel l's: stored planeSize floats after channel l − 1's, through the epilogue.</summary>
    private readonly struct ChannelRows<TStage>(float* y, long start, long planeSize, TStage epilogue) : IRowSink<TV>
        where TStage : struct, IConvEpilogueStage
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(int index, TV values)
        {
            long at = start + index * planeSize;
            TOps.Store(epilogue.On<TV, TOps>(values, at), y + at);
        }
    }

    /// <summary>
    /// Row l of the right half's transposed block is channel l's right half: stored with the left
    /// half's row l (<paramref name="left"/>), a whole 64-byte line at once, through the epilogue.
    /// </summary>
    private readonly struct ChannelRowPairs<TStage>(TV* left, float* y, long start, long planeSize, TStage epilogue) : IRowSink<TV>
        where TStage : struct, IConvEpilogueStage
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(int index, TV values)
        {
            long at = start + index * planeSize;
            TOps.Store(epilogue.On<TV, TOps>(left[index], at), y + at);
            TOps.Store(epilogue.On<TV, TOps>(values, at + Lanes), y + at + Lanes);
        }
    }

    /// <summary>The bias vector of channel block <paramref name="block"/>, or null.</summary>
    private static float* BiasOf(float* bias, int block) => bias == null ? null : bias + block * Lanes;

    /// <summary>
    /// Zeroes the padding around a channel block (its interior is overwritten; the scratch may hold
    /// another layer's data), one vector store per padding pixel. Span.Clear per run of padding (a
    /// memset call each: ten of 8–48 floats for the 6×6 block of a 4×4 plane) took 16 % of layer4 of
    /// r18w16-b64 (64×128×4×4) on Zen 3, more than the interleave itself.
    /// </summary>
    private void ClearBorder(float* block)
    {
        var g = plan.G;
        var zero = TOps.Broadcast(0f);
        int row = plan.PaddedW * Lanes, right = plan.PaddedW - g.PadW - g.W;
        ZeroPixels(block, g.PadH * plan.PaddedW, zero);
        ZeroPixels(block + (long)(g.PadH + g.H) * row, (plan.PaddedH - g.PadH - g.H) * plan.PaddedW, zero);
        for (int h = g.PadH; h < g.PadH + g.H; h++)
        {
            float* line = block + (long)h * row;
            ZeroPixels(line, g.PadW, zero);
            ZeroPixels(line + (g.PadW + g.W) * Lanes, right, zero);
        }
    }

    private static void ZeroPixels(float* at, int pixels, TV zero)
    {
        for (int p = 0; p < pixels; p++) TOps.Store(zero, at + p * Lanes);
    }
}

/// <summary>A block's interleave of <see cref="Source"/> (images or output gradients) as parallel work, one item per <see cref="WinogradBlock{TV, TOps, THeight, TTranspose}.Interleave"/> call.</summary>
internal unsafe struct WinogradInterleaveStage<TV, TOps, THeight, TTranspose> : IParallelWork
    where TV : unmanaged
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
    where TTranspose : IChannelTranspose<TV>
{
    public WinogradBlock<TV, TOps, THeight, TTranspose> Block;
    public float* Source;

    public readonly void Execute(int item) => Block.Interleave(item, Source);
}

/// <summary>A block's input transform as parallel work, one item per <see cref="WinogradBlock{TV, TOps, THeight, TTranspose}.Input"/> call.</summary>
internal struct WinogradInputStage<TV, TOps, THeight, TTranspose> : IParallelWork
    where TV : unmanaged
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
    where TTranspose : IChannelTranspose<TV>
{
    public WinogradBlock<TV, TOps, THeight, TTranspose> Block;

    public readonly void Execute(int item) => Block.Input(item);
}
