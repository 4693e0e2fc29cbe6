namespace AutoLoRa.Cpu;

/// <summary>The three primitives of a convolution, each of which chooses its algorithm separately.</summary>
public enum ConvPass
{
    /// <summary>y = conv(x, w) (+ bias).</summary>
    Forward,

    /// <summary>dx from dy and w.</summary>
    DataGradient,

    /// <summary>dw from x and dy.</summary>
    FilterGradient,
}

/// <summary>
/// The CPU backend's convolution algorithms. Which apply depends on the shape and pass (see
/// <see cref="CpuBackend.Autotune"/>); all compute the same function, Winograd's two schedules
/// with the rounding of its transforms (relative error about 1e-6), the others exactly as a sum of
/// products in some order.
/// </summary>
public enum ConvAlgorithm
{
    /// <summary>Winograd F(4×4, 3×3) with all cores sharing each block stage by stage (3×3 stride 1, channels in whole vectors: 16-lane on AVX-512, 8-lane on AVX2).</summary>
    WinogradShared,

    /// <summary>Winograd F(4×4, 3×3) with each core running whole blocks alone in its own cache (for the filter gradient, each core's fixed blocks into its own dU, summed in order at the end).</summary>
    WinogradPerCore,

    /// <summary>
    /// Winograd F(4×4, 3×3) shared stage by stage like <see cref="WinogradShared"/>, in blocks of
    /// <see cref="WinogradPerCore"/>'s size (512 KiB, at least one image): a block's images, V and M
    /// stay in the cores' L2 where 4 MiB blocks spill, at the price of streaming the transformed
    /// filter once per smaller block.
    /// </summary>
    WinogradSmallBlocks,

    /// <summary>
    /// Winograd F(4×4, 3×3) shared stage by stage like <see cref="WinogradShared"/>, in blocks of up
    /// to 64 MiB (a whole batch of either ResNet-18 workload): the transformed filter streams
    /// through the multiply stage once per call, where 4 MiB blocks stream it once per block, at
    /// the price of V and M spilling from L2 to L3.
    /// </summary>
    WinogradLargeBlocks,

    /// <summary>Direct convolution from zero-padded images, vectorised along output rows (rows of whole vectors).</summary>
    Direct,

    /// <summary>GEMM over the lowered matrix: implicit (panels packed from the images) forward and for a stride-1 data gradient, explicit for the filter gradient.</summary>
    Gemm,

    /// <summary>Data gradient as dcol = Wᵀ·dy followed by the scatter-add Col2Im (any geometry).</summary>
    GemmCol2Im,

    /// <summary>
    /// Data gradient of a 3×3 stride-2 pad-1 convolution as four stride-1 sub-pixel phases, each a
    /// GEMM of dy with a 1×1, 1×2, 2×1 or 2×2 sub-filter (no Col2Im scatter, no multiplication by zero).
    /// </summary>
    SubPixel,

    /// <summary>
    /// Forward of a strided convolution wider than 1×1 by <see cref="Gemm"/>'s implicit GEMM, its panels packed from
    /// zero-padded, column-phase-split copies of the images (contiguous runs) instead of gathered from them.
    /// </summary>
    GemmPadded,

    /// <summary>
    /// Data gradient of a strided 1×1 without padding (a projection shortcut): dcol = Wᵀ·dy as in
    /// <see cref="GemmCol2Im"/>, then spread straight to dx's strided positions with the zeros
    /// between and the epilogue in the same pass (no clear, scatter-add and epilogue passes).
    /// </summary>
    GemmSpread,

    /// <summary>
    /// <see cref="Direct"/> with each vector spanning two output rows (<see cref="Convolution.DirectRowPairKernel{TV, TOps}"/>):
    /// 8-pixel rows on AVX-512, where <see cref="Direct"/> runs 8-lane vectors, and 4-pixel rows on
    /// AVX2, where it does not run: forward and, for stride 1, the data gradient.
    /// </summary>
    DirectRowPairs,

    /// <summary>
    /// Filter gradient (any geometry) as a GEMM over pixels on channel-blocked copies of the images
    /// and output gradients, in the worker's cache a chunk of images at a time: a register tile of 8
    /// output channels × 3 vectors of 16 input channels, each at its own tap (<see cref="Convolution.BlockedFilterGradient"/>).
    /// </summary>
    Blocked,

    /// <summary>
    /// Direct convolution with at most 3 input or output channels (the stem, forward and data
    /// gradient: 3 image channels), in tiles of 3 output channels × 128 pixels from a padded image kept
    /// in the worker's cache (<see cref="Convolution.FewChannelConvolution"/>): forward and, for
    /// stride 1, the data gradient.
    /// </summary>
    DirectFewChannels,

    /// <summary>
    /// Forward of a strided 1×1 without padding (a projection shortcut): each worker gathers a group
    /// of images' subsampled planes into its cache and multiplies them by the filter read in place,
    /// writing y with the bias and epilogue (<see cref="Convolution.StridedPointwise.Forward"/>).
    /// </summary>
    PointwiseDirect,

    /// <summary>
    /// Direct convolution from at most 3 input channels (the stem's forward), in tiles of 4 output
    /// channels (8 on AVX-512) × 3 pixel vectors, one call per tile running every channel block from
    /// a padded image kept in the worker's cache (<see cref="Convolution.FewChannelConvolution.ForwardFewInputs"/>):
    /// forward and, for stride 1, the data gradient of a convolution into at most 3 channels.
    /// </summary>
    DirectFewInputs,
}

/// <summary>The names the autotuning cache and the benchmarks use for <see cref="ConvAlgorithm"/>.</summary>
public static class ConvAlgorithmNames
{
    private static readonly string[] Names =
        ["winograd", "winograd-per-core", "winograd-small-blocks", "winograd-large-blocks", "direct", "gemm", "gemm-col2im", "sub-pixel", "gemm-padded", "gemm-spread", "direct-row-pairs", "blocked", "direct-few-channels", "pointwise-direct", "direct-few-inputs"];

    /// <summary>The short lowercase name: winograd, winograd-per-core, winograd-small-blocks, winograd-large-blocks, direct, gemm, gemm-col2im, sub-pixel, gemm-padded, gemm-spread, direct-row-pairs, blocked, direct-few-channels, pointwise-direct, direct-few-inputs.</summary>
    public static string Name(this ConvAlgorithm algorithm) => Names[(int)algorithm];

    /// <summary>The algorithm of a <see cref="Name"/>, or false for an unknown name.</summary>
    public static bool TryParse(string name, out ConvAlgorithm algorithm)
    {
        int index = Array.IndexOf(Names, name);
        algorithm = (ConvAlgorithm)Math.Max(index, 0);
        return index >= 0;
    }
}
