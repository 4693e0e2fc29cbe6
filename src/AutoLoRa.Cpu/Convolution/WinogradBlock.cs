using System.Runtime.CompilerServices;
using static AutoLoRa.Cpu.Convolution.WinogradTransforms;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// One block of whole images in flight through <see cref="WinogradConvolution"/>: images
/// [First, First + Count) of the batch, their channel-interleaved padded copies, the transformed
/// inputs V[ξ][t][c] and the products M[ξ][t][k] of their tiles (<see cref="WinogradPlan.Capacity"/>
/// tile rows per ξ). Each stage is split into independent items, so a block can be shared by all
/// cores stage by stage or run whole by one.
/// </summary>
[SkipLocalsInit]
internal readonly unsafe struct WinogradBlock(WinogradPlan plan, float* images, float* v, float* m, int first, int count)
{
    private int Tiles => count * plan.TilesPerImage;

    /// <summary>Tile rows the multiply stage runs: the tiles rounded up to its rows of 8.</summary>
    private int Rows => (Tiles + WinogradGemmKernel.Tiles - 1) / WinogradGemmKernel.Tiles * WinogradGemmKernel.Tiles;

    /// <summary>Items of the interleave stage: images × 16-channel blocks.</summary>
    public int InterleaveItems => count * (plan.G.C / Lanes);

    /// <summary>Items of the input stage: 16-channel blocks × tiles.</summary>
    public int InputItems => Tiles * (plan.G.C / Lanes);

    /// <summary>
    /// Whether the output stage writes four side-by-side tiles at once: with rows of whole vectors
    /// (16, 32, … wide) each channel's four rows then go out as four full-vector stores.
    /// </summary>
    private bool Quads => plan.G.OutW % (4 * OutputSide) == 0;

    /// <summary>Items of the output stage: 16-channel blocks × tiles (or quads of tiles).</summary>
    public int OutputItems => (Quads ? Tiles / 4 : Tiles) * (plan.G.K / Lanes);

    /// <summary>
    /// Image item / (C/16), channels of block item mod (C/16), into the padded interleaved layout:
    /// 16 pixels of the 16 channel planes at a time, transposed into 16 channel vectors.
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
        var pixels = stackalloc Vector512<float>[Lanes];
        int p = 0;
        for (; p + Lanes <= plane; p += Lanes)
        {
            // Rows of whole vectors (16, 32, … wide) take the 16 pixels from one row: one offset, consecutive stores.
            if (g.W % Lanes == 0)
            {
                Transpose16.Copy(source + p, plane, destination + plan.PaddedOffset(p), Lanes);
                continue;
            }
            Transpose16.Copy(source + p, plane, (float*)pixels, Lanes);
            for (int i = 0; i < Lanes; i++) Vector512.Store(pixels[i], destination + plan.PaddedOffset(p + i));
        }
        for (; p < plane; p++)
        {
            float* dst = destination + plan.PaddedOffset(p);
            for (int lane = 0; lane < Lanes; lane++) dst[lane] = source[(long)lane * plane + p];
        }
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
        WinogradTransforms.Input(origin, plan.PaddedW * Lanes, v + (long)tile * g.C + block * Lanes, plan.InputStride);
    }

    /// <summary>Zeroes V's rows past the last tile, which the multiply stage's rows of 8 read.</summary>
    public void ClearPadding()
    {
        int c = plan.G.C;
        for (int xi = 0; Rows > Tiles && xi < WinogradTransforms.Products; xi++)
        {
            new Span<float>(v + xi * plan.InputStride + (long)Tiles * c, (Rows - Tiles) * c).Clear();
        }
    }

    /// <summary>
    /// M[ξ] = V[ξ] · U[ξ] (U packed as <see cref="WinogradFilterTiles"/> leaves it), in rows of 8
    /// tiles and columns of 32 channels, or for a last 16 channels rows of 16 tiles (and a last 8).
    /// </summary>
    public void Multiply(int xi, float* u)
    {
        var g = plan.G;
        float* vx = v + xi * plan.InputStride;
        float* ux = u + xi * plan.FilterStride;
        float* mx = m + xi * plan.ProductStride;
        long panel = (long)g.C * Lanes;
        int rows = Rows;
        for (int k = 0; k < g.K; k += WinogradGemmKernel.Channels)
        {
            float* u0 = ux + k / Lanes * panel;
            bool whole = g.K - k >= WinogradGemmKernel.Channels;
            for (int t = 0; t < rows;)
            {
                float* vt = vx + (long)t * g.C, mt = mx + (long)t * g.K + k;
                if (whole)
                {
                    WinogradGemmKernel.Run32(g.C, vt, g.C, u0, u0 + panel, mt, g.K);
                    t += WinogradGemmKernel.Tiles;
                }
                else if (rows - t >= 2 * WinogradGemmKernel.Tiles)
                {
                    WinogradGemmKernel.Run16Tall(g.C, vt, g.C, u0, mt, g.K);
                    t += 2 * WinogradGemmKernel.Tiles;
                }
                else
                {
                    WinogradGemmKernel.Run16(g.C, vt, g.C, u0, mt, g.K);
                    t += WinogradGemmKernel.Tiles;
                }
            }
        }
    }

    /// <summary>
    /// The 4×4 outputs (Aᵀ M A, plus bias) of tile (or quad of tiles) item mod units for the
    /// channels of block item / units, each stored row then passed through <paramref name="epilogue"/>.
    /// </summary>
    public void Output(int item, float* bias, ConvEpilogue epilogue, float* y)
    {
        var g = plan.G;
        int units = Quads ? Tiles / 4 : Tiles;
        int unit = item % units, block = item / units;
        if (Quads)
        {
            OutputQuad(unit * 4, block, bias, epilogue, y);
            return;
        }
        var outputs = stackalloc Vector512<float>[OutputSide * OutputSide];
        WinogradTransforms.Output(m + (long)unit * g.K + block * Lanes, plan.ProductStride, outputs, OutputSide);
        AddBias(outputs, OutputSide * OutputSide, bias, block);
        // Lanes are channels; y wants each channel's pixels together: after the transpose,
        // vector l holds channel l's 4×4 tile, one output row per 128-bit quarter.
        Transpose16.InPlace(outputs);
        var (n, tileRow, tileColumn) = plan.Locate(unit);
        // A last row or column of tiles may reach past the output: only what lies inside is stored.
        int rows = Math.Min(OutputSide, g.OutH - tileRow * OutputSide);
        int columns = Math.Min(OutputSide, g.OutW - tileColumn * OutputSide);
        long planeSize = (long)g.OutH * g.OutW;
        long offset = ((long)(first + n) * g.K + block * Lanes) * planeSize + (long)tileRow * OutputSide * g.OutW + tileColumn * OutputSide;
        for (int lane = 0; lane < Lanes; lane++, offset += planeSize)
        {
            float* values = (float*)(outputs + lane);
            for (int i = 0; i < rows; i++)
            {
                long at = offset + (long)i * g.OutW;
                if (columns == OutputSide)
                {
                    var row = Vector128.Load(values + i * OutputSide);
                    Vector128.Store(epilogue.IsEmpty ? row : epilogue.On(row, at), y + at);
                    continue;
                }
                new ReadOnlySpan<float>(values + i * OutputSide, columns).CopyTo(new Span<float>(y + at, columns));
                epilogue.Apply(y, at, columns);
            }
        }
    }

    /// <summary>
    /// Four side-by-side tiles (rows of whole vectors, see <see cref="Quads"/>): the output
    /// transforms lay each output row of the quad out as 16 channel vectors in pixel order, so one
    /// transpose per row turns them into the 16 channels' rows of 16 pixels, stored whole (a
    /// transpose per tile and a 4×4 shuffle of 128-bit quarters per channel before).
    /// </summary>
    private void OutputQuad(int firstTile, int block, float* bias, ConvEpilogue epilogue, float* y)
    {
        var g = plan.G;
        // rows[16·i + 4·t + j]: output row i, column j of tile t.
        var rows = stackalloc Vector512<float>[4 * OutputSide * OutputSide];
        for (int t = 0; t < 4; t++)
        {
            WinogradTransforms.Output(m + (long)(firstTile + t) * g.K + block * Lanes, plan.ProductStride, rows + t * OutputSide, 4 * OutputSide);
        }
        AddBias(rows, 4 * OutputSide * OutputSide, bias, block);
        var (n, tileRow, tileColumn) = plan.Locate(firstTile);
        int count = Math.Min(OutputSide, g.OutH - tileRow * OutputSide);
        long planeSize = (long)g.OutH * g.OutW;
        long start = ((long)(first + n) * g.K + block * Lanes) * planeSize + (long)tileRow * OutputSide * g.OutW + tileColumn * OutputSide;
        for (int i = 0; i < count; i++)
        {
            // Each channel's row goes through the epilogue into y as the transpose makes it.
            Transpose16.Copy((float*)(rows + i * Lanes), Lanes, new ChannelRows(y, start + (long)i * g.OutW, planeSize, epilogue));
        }
    }

    /// <summary>Row l of a transposed block is channel l's: stored planeSize floats after channel l − 1's, through the epilogue.</summary>
    private readonly struct ChannelRows(float* y, long start, long planeSize, ConvEpilogue epilogue) : Transpose16.IRowSink
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(int index, Vector512<float> values)
        {
            long at = start + index * planeSize;
            Store(values, y + at, epilogue, at);
        }
    }

    private static void AddBias(Vector512<float>* values, int count, float* bias, int block)
    {
        if (bias == null) return;
        var b = Vector512.Load(bias + block * Lanes);
        for (int p = 0; p < count; p++) values[p] += b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float* at, ConvEpilogue epilogue, long offset) =>
        Vector512.Store(epilogue.IsEmpty ? v : epilogue.On(v, offset), at);

    /// <summary>Zeroes the padding around a channel block (its interior is overwritten; the scratch may hold another layer's data).</summary>
    private void ClearBorder(float* block)
    {
        var g = plan.G;
        int row = plan.PaddedW * Lanes;
        new Span<float>(block, g.PadH * row).Clear();
        new Span<float>(block + (long)(g.PadH + g.H) * row, (plan.PaddedH - g.PadH - g.H) * row).Clear();
        int right = (plan.PaddedW - g.PadW - g.W) * Lanes;
        for (int h = g.PadH; h < g.PadH + g.H; h++)
        {
            float* line = block + (long)h * row;
            new Span<float>(line, g.PadW * Lanes).Clear();
            new Span<float>(line + (g.PadW + g.W) * Lanes, right).Clear();
        }
    }
}
