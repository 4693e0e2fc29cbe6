using static AutoLoRa.Cpu.Convolution.WinogradTransforms;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// Sizes and indexing of one <see cref="WinogradConvolution"/>: the channel-interleaved padded
/// images (per image C / L blocks of PaddedH × PaddedW × L floats, L the <see cref="Lanes"/> of a
/// channel vector), the 4×4 tiles numbered
/// image by image in row-major order, and how many whole images one block of tiles covers.
/// Where the output is not whole tiles, the last row and column of tiles reach past it: the
/// padded images extend with zeros to cover them and the output stage drops what lies outside.
/// </summary>
internal readonly struct WinogradPlan
{
    /// <param name="g">The convolution (3×3, stride 1, channels in whole vectors: see <see cref="WinogradConvolution.Applies"/>).</param>
    /// <param name="lanes">Channels per vector.</param>
    /// <param name="rowMultiple">What V's and M's tile rows are rounded up to: the multiply kernel's rows.</param>
    /// <param name="blockBudgetFloats">What one block's interleaved images, V and M may take together; a block holds at least one image.</param>
    /// <param name="extraPerImage">Further floats a block needs per image (the filter gradient's interleaved output gradients).</param>
    public WinogradPlan(in ConvGeometry g, int lanes, int rowMultiple, long blockBudgetFloats, long extraPerImage = 0)
        : this(g, lanes, rowMultiple, TilesOf(g.OutH) * OutputSide + 2, TilesOf(g.OutW) * OutputSide + 2, blockBudgetFloats, extraPerImage)
    {
    }

    private WinogradPlan(in ConvGeometry g, int lanes, int rowMultiple, int paddedH, int paddedW, long blockBudgetFloats, long extraPerImage)
    {
        G = g;
        Lanes = lanes;
        RowMultiple = rowMultiple;
        PaddedH = paddedH;
        PaddedW = paddedW;
        ChannelBlockFloats = (long)PaddedH * PaddedW * Lanes;
        ImageFloats = (long)g.C * PaddedH * PaddedW;
        TilesW = TilesOf(g.OutW);
        TilesPerImage = TilesOf(g.OutH) * TilesW;
        long perImage = ImageFloats + extraPerImage + (long)TilesPerImage * WinogradTransforms.Products * (g.C + g.K);
        ImagesPerBlock = ImagesWithFewestRows(g.N, (int)Math.Clamp(blockBudgetFloats / perImage, 1, g.N));
        Capacity = RoundRows(ImagesPerBlock * TilesPerImage);
        OutH = g.OutH;
        OutW = g.OutW;
        InputStride = (long)Capacity * g.C + LineFloats;
        ProductStride = (long)Capacity * g.K + LineFloats;
        FilterStride = (long)g.C * g.K + LineFloats;
    }

    /// <summary>
    /// Images per block, at most <paramref name="most"/> (what the budget holds) and at least half
    /// as many, whose blocks cover the batch's tiles with the fewest multiply rows (ties: the most
    /// images). The rows of a block's last kernel call beyond its tiles are computed for nothing:
    /// with one tile per image (4×4 planes) the budget's 9 images filled 12 of the 6-row kernel's
    /// rows. Zen 3, one thread, best of 40, layer4 of r18w16-b64 per core: 9 images 203–205 GFLOP/s,
    /// 6 (no spare rows) 244–258, 12 253–258; layer3 (4 tiles per image): 5 images 211–223, 3 227–238.
    /// </summary>
    private int ImagesWithFewestRows(int n, int most)
    {
        int best = most;
        long fewest = long.MaxValue;
        for (int images = most; 2 * images >= most; images--)
        {
            int rest = n % images;
            long rows = (long)(n / images) * RoundRows(images * TilesPerImage) + (rest == 0 ? 0 : RoundRows(rest * TilesPerImage));
            if (rows < fewest)
            {
                fewest = rows;
                best = images;
            }
        }
        return best;
    }

    /// <summary>
    /// The layout of a convolution's output gradient for the filter gradient: K channels of
    /// OutH × OutW, interleaved like the images, unpadded except for the zeros that complete the
    /// last tiles (its "geometry" is a 3×3 valid convolution over that plane, used for sizes only).
    /// </summary>
    public static WinogradPlan ForOutputGradients(in ConvGeometry g, int lanes) =>
        new(new ConvGeometry(g.N, g.K, g.OutH, g.OutW, g.K, 3, 3, 1, 1, 0, 0), lanes, 1, TilesOf(g.OutH) * OutputSide, TilesOf(g.OutW) * OutputSide, 1, 0);

    /// <summary>4×4 tiles covering <paramref name="length"/> outputs.</summary>
    public static int TilesOf(int length) => (length + OutputSide - 1) / OutputSide;

    public ConvGeometry G { get; }

    /// <summary>Channels per vector: 16 on AVX-512, 8 on AVX2.</summary>
    public int Lanes { get; }

    /// <summary>What the multiply stage's tile rows come in (<see cref="RoundRows"/>).</summary>
    public int RowMultiple { get; }

    public int PaddedH { get; }

    public int PaddedW { get; }

    /// <summary>Floats of one channel block (one vector of channels) of a padded image.</summary>
    public long ChannelBlockFloats { get; }

    /// <summary>Floats of one padded image.</summary>
    public long ImageFloats { get; }

    public int TilesW { get; }

    // The output's sides and the strides below are stored, not derived where used: the output stage
    // reads them per tile, and G's OutH/OutW divide by the stride (two idiv per call), G's copy and the
    // derived strides kept the JIT from inlining the getters (a call per tile).

    /// <summary>The output's height (G.OutH).</summary>
    public int OutH { get; }

    /// <summary>The output's width (G.OutW).</summary>
    public int OutW { get; }

    public int TilesPerImage { get; }

    public int ImagesPerBlock { get; }

    public int Blocks => (G.N + ImagesPerBlock - 1) / ImagesPerBlock;

    /// <summary>Tile rows of a block's V and M per ξ: its tiles rounded up by <see cref="RoundRows"/>.</summary>
    public int Capacity { get; }

    /// <summary><paramref name="tiles"/> rounded up to a multiple of <see cref="RowMultiple"/>.</summary>
    public int RoundRows(int tiles) => (tiles + RowMultiple - 1) / RowMultiple * RowMultiple;

    /// <summary>Floats of a block's interleaved images, V and M.</summary>
    public long ImagesFloats => ImagesPerBlock * ImageFloats;

    // The 36 matrices of V, M and U are written and read one vector from each at a time. Their
    // sizes are often multiples of 4 KiB, which would put all 36 vectors in one set of the L1
    // cache (8 ways): one cache line of padding between matrices spreads them over consecutive sets.
    private const int LineFloats = 16;

    /// <summary>Floats from V[ξ] to V[ξ + 1].</summary>
    public long InputStride { get; }

    /// <summary>Floats from M[ξ] to M[ξ + 1].</summary>
    public long ProductStride { get; }

    /// <summary>Floats from U[ξ] to U[ξ + 1].</summary>
    public long FilterStride { get; }

    public long InputFloats => WinogradTransforms.Products * InputStride;

    public long ProductFloats => WinogradTransforms.Products * ProductStride;

    public long FilterFloats => WinogradTransforms.Products * FilterStride;

    /// <summary>Where pixel <paramref name="pixel"/> (row-major in the unpadded plane) lands in a padded channel block.</summary>
    public long PaddedOffset(int pixel)
    {
        int h = pixel / G.W;
        return ((long)(h + G.PadH) * PaddedW + pixel - h * G.W + G.PadW) * Lanes;
    }

    /// <summary>The image within its block and tile row and column of a block's tile <paramref name="tile"/>.</summary>
    public (int Image, int Row, int Column) Locate(int tile)
    {
        int n = tile / TilesPerImage, within = tile - n * TilesPerImage;
        int row = within / TilesW;
        return (n, row, within - row * TilesW);
    }
}
