using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The register tile of <see cref="FewChannelConvolution"/>'s forward from few input channels
/// (<see cref="ConvAlgorithm.DirectFewInputs"/>): <typeparamref name="THeight"/>' rows of output
/// channels × 3 pixel vectors (two such tiles per call, see <see cref="Vectors"/>), each step one filter tap of one input channel (3 loaded vectors, a
/// broadcast per channel feeding 3 multiply-adds) — 4 channels (12 accumulators, 16 registers) on
/// AVX2, 8 (24, 28) on AVX-512. One call runs every channel block of its pixels, so the short sums
/// of a few-channel input (27 steps for 3 channels × 3×3) pay one call, not one per block; and 4 or
/// 8 channels tile the stem's 16 and 64 outputs, where <see cref="FewChannelKernel{TV, TOps, TVectors}"/>'s
/// blocks of 3 computed 18 for 16.
/// </summary>
internal static unsafe class FewInputKernel<TV, TOps, THeight>
    where TV : struct
    where TOps : IVectorOps<TV>
    where THeight : ITileHeight
{
    /// <summary>Pixel vectors per register tile.</summary>
    public const int TileVectors = 3;

    /// <summary>
    /// Pixel vectors per call: two register tiles side by side, each channel block computing both
    /// before the next block. Its channels' output lines are then whole when the block moves on
    /// (48 pixels, 3 lines, on AVX2), where one 24-pixel tile per call left a line half written
    /// while the other blocks' stores to planes 4 KiB apart (one L1 set) evicted it: 1.04–1.08×
    /// on Zen 3 under load (one worker, interleaved in one process, median of per-round ratios
    /// over 60 rounds, both stems).
    /// </summary>
    public const int Vectors = 2 * TileVectors;

    /// <summary>Output channels per block.</summary>
    public static int Channels => THeight.Rows;

    /// <summary>Output pixels per vector.</summary>
    public static int Pixels => Unsafe.SizeOf<TV>() / sizeof(float);

    public static bool IsSupported => TOps.IsSupported;

    /// <summary>
    /// y[k, u·Pixels + lane] = epilogue(Σ_p a[(b·steps + p)·H + j] · image[origins[u] + offsets[p] + lane] + bias[k])
    /// for every channel k = b·H + j &lt; <paramref name="k"/> and u &lt; <see cref="Vectors"/> (the
    /// pixel vectors' origins in the padded image; H = <see cref="Channels"/>, the filter packed in
    /// blocks of H channels side by side, zeros past <paramref name="k"/>). <paramref name="offset"/>
    /// is <paramref name="y"/>'s index in the whole output (for the epilogue's operands); channel
    /// planes are <paramref name="ld"/> floats apart. Unlike <see cref="FewChannelKernel{TV, TOps, TVectors}"/>
    /// it prefetches nothing: 0, 4, 12 or 24 lines of the next image per call ran within 2 % of each
    /// other (Zen 3, one worker, interleaved, both stems), no prefetch marginally ahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(int steps, float* filter, int* offsets, float* image, int* origins,
        float* bias, int k, ConvEpilogue epilogue, float* y, long offset, int ld)
    {
        bool eight = THeight.Rows > 4;
        for (int first = 0; first < k; first += THeight.Rows, y += THeight.Rows * (nint)ld, offset += THeight.Rows * (long)ld)
        for (int t = 0; t < Vectors; t += TileVectors)
        {
            float* x0 = image + origins[t], x1 = image + origins[t + 1], x2 = image + origins[t + 2];
            float* a = filter + (long)first * steps;
            float* yt = y + t * Pixels;
            long ot = offset + t * Pixels;
            TV c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
            TV c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
            TV c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
            TV c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
            for (int p = 0; p < steps; p++, a += THeight.Rows)
            {
                int o = offsets[p];
                var b0 = TOps.Load(x0 + o);
                var b1 = TOps.Load(x1 + o);
                var b2 = TOps.Load(x2 + o);
                var w = TOps.Broadcast(a[0]);
                c00 = TOps.MultiplyAdd(w, b0, c00); c01 = TOps.MultiplyAdd(w, b1, c01); c02 = TOps.MultiplyAdd(w, b2, c02);
                w = TOps.Broadcast(a[1]);
                c10 = TOps.MultiplyAdd(w, b0, c10); c11 = TOps.MultiplyAdd(w, b1, c11); c12 = TOps.MultiplyAdd(w, b2, c12);
                w = TOps.Broadcast(a[2]);
                c20 = TOps.MultiplyAdd(w, b0, c20); c21 = TOps.MultiplyAdd(w, b1, c21); c22 = TOps.MultiplyAdd(w, b2, c22);
                w = TOps.Broadcast(a[3]);
                c30 = TOps.MultiplyAdd(w, b0, c30); c31 = TOps.MultiplyAdd(w, b1, c31); c32 = TOps.MultiplyAdd(w, b2, c32);
                if (!eight) continue;
                w = TOps.Broadcast(a[4]);
                c40 = TOps.MultiplyAdd(w, b0, c40); c41 = TOps.MultiplyAdd(w, b1, c41); c42 = TOps.MultiplyAdd(w, b2, c42);
                w = TOps.Broadcast(a[5]);
                c50 = TOps.MultiplyAdd(w, b0, c50); c51 = TOps.MultiplyAdd(w, b1, c51); c52 = TOps.MultiplyAdd(w, b2, c52);
                w = TOps.Broadcast(a[6]);
                c60 = TOps.MultiplyAdd(w, b0, c60); c61 = TOps.MultiplyAdd(w, b1, c61); c62 = TOps.MultiplyAdd(w, b2, c62);
                w = TOps.Broadcast(a[7]);
                c70 = TOps.MultiplyAdd(w, b0, c70); c71 = TOps.MultiplyAdd(w, b1, c71); c72 = TOps.MultiplyAdd(w, b2, c72);
            }
            int rows = Math.Min(THeight.Rows, k - first);
            float* blockBias = bias == null ? null : bias + first;
            Write(c00, c01, c02, blockBias, 0, epilogue, yt, ot);
            if (rows > 1) Write(c10, c11, c12, blockBias, 1, epilogue, yt + ld, ot + ld);
            if (rows > 2) Write(c20, c21, c22, blockBias, 2, epilogue, yt + 2 * (nint)ld, ot + 2 * ld);
            if (rows > 3) Write(c30, c31, c32, blockBias, 3, epilogue, yt + 3 * (nint)ld, ot + 3 * ld);
            if (!eight) continue;
            if (rows > 4) Write(c40, c41, c42, blockBias, 4, epilogue, yt + 4 * (nint)ld, ot + 4 * ld);
            if (rows > 5) Write(c50, c51, c52, blockBias, 5, epilogue, yt + 5 * (nint)ld, ot + 5 * ld);
            if (rows > 6) Write(c60, c61, c62, blockBias, 6, epilogue, yt + 6 * (nint)ld, ot + 6 * ld);
            if (rows > 7) Write(c70, c71, c72, blockBias, 7, epilogue, yt + 7 * (nint)ld, ot + 7 * ld);
        }
    }

    /// <summary>One channel's 3 vectors: bias, epilogue, store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(TV v0, TV v1, TV v2, float* bias, int channel, ConvEpilogue epilogue, float* y, long offset)
    {
        var b = TOps.Broadcast(bias == null ? 0f : bias[channel]);
        int n = Pixels;
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v0, b), offset), y);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v1, b), offset + n), y + n);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v2, b), offset + 2 * n), y + 2 * n);
    }
}
