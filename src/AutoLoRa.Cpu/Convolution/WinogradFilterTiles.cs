using static AutoLoRa.Cpu.Convolution.WinogradTransforms;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The filter stage of <see cref="WinogradConvolution"/>: U = G g Gᵀ for 16 output channels × a
/// chunk of input channels per work item, stored per ξ in panels of 16 output channels,
/// U[ξ][k / 16][c][k mod 16], so the multiply kernel and these stores both walk memory in order.
/// </summary>
[SkipLocalsInit]
internal unsafe struct WinogradFilterTiles : IParallelWork
{
    public ConvGeometry G;

    /// <summary>Floats from U[ξ] to U[ξ + 1] (<see cref="WinogradPlan.FilterStride"/>).</summary>
    public long Stride;
    public float* W, U;
    public bool Flipped;
    public int Chunks;

    /// <summary>Input channels per work item (their taps transpose in whole 16×16 blocks).</summary>
    public const int ChannelChunk = 32;

    public readonly void Execute(int item)
    {
        int k0 = item / Chunks * Lanes;
        int c0 = item % Chunks * ChannelChunk;
        int channels = Math.Min(ChannelChunk, G.C - c0);
        // taps[(c − c0)·9 + t] = the 16 output channels' tap t of input channel c.
        var taps = stackalloc Vector512<float>[ChannelChunk * 9];
        if (Flipped) GatherFlipped(k0, c0, channels, (float*)taps);
        else Gather(k0, c0, channels, taps);
        for (int c = 0; c < channels; c++)
        {
            WinogradTransforms.Filter(taps + c * 9, U + (long)k0 * G.C + (c0 + c) * Lanes, Stride);
        }
    }

    /// <summary>
    /// From w[k][c][t]: each output channel's taps of the chunk are one run of channels·9
    /// floats (a multiple of 16), so 16 runs side by side transpose in 16×16 blocks.
    /// </summary>
    private readonly void Gather(int k0, int c0, int channels, Vector512<float>* taps)
    {
        float* first = W + ((long)k0 * G.C + c0) * 9;
        long run = (long)G.C * 9;
        for (int q = 0; q < channels * 9; q += Lanes)
        {
            Vector512<float>* block = taps + q;
            for (int lane = 0; lane < Lanes; lane++) block[lane] = Vector512.Load(first + lane * run + q);
            Transpose16.InPlace(block);
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
