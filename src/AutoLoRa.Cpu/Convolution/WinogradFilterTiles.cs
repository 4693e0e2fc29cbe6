using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The filter stage of <see cref="WinogradConvolution"/>: U = G g Gᵀ for one vector of output
/// channels (L = <see cref="WinogradTransforms{TV, TOps}.Lanes"/>) × a chunk of input channels per
/// work item, stored per ξ in panels of L output channels, U[ξ][k / L][c][k mod L], so the multiply
/// kernel and these stores both walk memory in order.
/// </summary>
[SkipLocalsInit]
internal unsafe struct WinogradFilterTiles<TV, TOps, TTranspose> : IParallelWork
    where TV : unmanaged
    where TOps : IVectorOps<TV>
    where TTranspose : IChannelTranspose<TV>
{
    public ConvGeometry G;

    /// <summary>Floats from U[ξ] to U[ξ + 1] (<see cref="WinogradPlan.FilterStride"/>).</summary>
    public long Stride;
    public float* W, U;
    public bool Flipped;
    public int Chunks;

    private static int Lanes => WinogradTransforms<TV, TOps>.Lanes;

    public readonly void Execute(int item)
    {
        int k0 = item / Chunks * Lanes;
        int c0 = item % Chunks * WinogradFilterTiles.ChannelChunk;
        int channels = Math.Min(WinogradFilterTiles.ChannelChunk, G.C - c0);
        // taps[(c − c0)·9 + t] = the L output channels' tap t of input channel c.
        var taps = stackalloc TV[WinogradFilterTiles.ChannelChunk * 9];
        if (Flipped) GatherFlipped(k0, c0, channels, (float*)taps);
        else Gather(k0, c0, channels, taps);
        for (int c = 0; c < channels; c++)
        {
            WinogradTransforms<TV, TOps>.Filter(taps + c * 9, U + (long)k0 * G.C + (c0 + c) * Lanes, Stride);
        }
    }

    /// <summary>
    /// From w[k][c][t]: each output channel's taps of the chunk are one run of channels·9
    /// floats (a multiple of L), so L runs side by side transpose in L×L blocks.
    /// </summary>
    private readonly void Gather(int k0, int c0, int channels, TV* taps)
    {
        float* first = W + ((long)k0 * G.C + c0) * 9;
        long run = (long)G.C * 9;
        for (int q = 0; q < channels * 9; q += Lanes)
        {
            TTranspose.Copy(first + q, run, new StridedRows<TV, TOps>((float*)(taps + q), Lanes));
        }
    }

    /// <summary>From w[c][k][8 − t] (the data gradient's flipped, transposed filter).</summary>
    private readonly void GatherFlipped(int k0, int c0, int channels, float* taps)
    {
        for (int c = 0; c < channels; c++, taps += 9 * Lanes)
        {
            float* source = W + ((long)(c0 + c) * G.K + k0) * 9;
            for (int lane = 0; lane < Lanes; lane++, source += 9)
            {
                for (int t = 0; t < 9; t++) taps[t * Lanes + lane] = source[8 - t];
            }
        }
    }
}

/// <summary>The work items of <see cref="WinogradFilterTiles{TV, TOps, TTranspose}"/>.</summary>
internal static class WinogradFilterTiles
{
    /// <summary>Input channels per work item (their taps transpose in whole L×L blocks).</summary>
    public const int ChannelChunk = 32;

    /// <summary>Work items for a filter of <paramref name="g"/>: one per vector of output channels and chunk of input channels.</summary>
    public static int Items(in ConvGeometry g, int lanes) => g.K / lanes * Chunks(g);

    public static int Chunks(in ConvGeometry g) => (g.C + ChannelChunk - 1) / ChannelChunk;
}
