using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The channel-blocked copies <see cref="BlockedFilterGradient"/> works on, made from planar
/// (NCHW) tensors: 16 pixels × 16 channels at a time through <see cref="Transpose16"/> where
/// AVX-512 runs the 16-lane kernel, 4 × 4 through <see cref="Transpose4"/> for the AVX2 kernel's
/// 8-lane and 4-row blocks (and what the 16-wide transposes leave), one value at a time for the
/// last pixels of a row or plane.
/// </summary>
[SkipLocalsInit]
internal static unsafe class BlockedCopies
{
    private const int Lanes16 = 16;

    /// <summary>
    /// Images [first, first + count) of x into the chunk copy: [input block][image][padded row]
    /// [padded column][L], interior only (the caller cleared the borders once); lanes past C are
    /// written as zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Inputs(in BlockedFilterGradient.Plan plan, float* x, int first, int count, float* inputs)
    {
        var g = plan.G;
        int plane = g.H * g.W, lanes = plan.Lanes;
        bool wide = lanes == Lanes16 && Avx512F.IsSupported;
        if (plan.Subsampled)
        {
            Subsampled(plan, x, first, count, inputs);
            return;
        }
        if (!wide && Transpose4.IsSupported && lanes % 4 == 0)
        {
            ByQuads(plan, x, first, count, inputs);
            return;
        }
        var pixels = stackalloc Vector512<float>[Lanes16];
        for (int block = 0; block < plan.InputBlocks; block++)
        {
            int channels = Math.Min(lanes, g.C - block * lanes);
            for (int i = 0; i < count; i++)
            {
                float* source = x + ((long)(first + i) * g.C + block * lanes) * plane;
                float* destination = inputs + block * plan.InputBlockStride + i * plan.PlaneFloats;
                // (h, w) follows pixel p without a division per pixel.
                int p = 0, h = 0, w = 0;
                for (; wide && p + Lanes16 <= plane; p += Lanes16)
                {
                    for (int c = 0; c < Lanes16; c++) pixels[c] = c < channels ? Vector512.Load(source + (long)c * plane + p) : Vector512<float>.Zero;
                    Transpose16.InPlace(pixels);
                    for (int q = 0; q < Lanes16; q++)
                    {
                        Vector512.Store(pixels[q], destination + ((long)(h + g.PadH) * plan.PaddedW + w + g.PadW) * Lanes16);
                        if (++w == g.W) (h, w) = (h + 1, 0);
                    }
                }
                for (; p < plane; p++)
                {
                    float* dst = destination + ((long)(h + g.PadH) * plan.PaddedW + w + g.PadW) * lanes;
                    for (int c = 0; c < lanes; c++) dst[c] = c < channels ? source[(long)c * plane + p] : 0f;
                    if (++w == g.W) (h, w) = (h + 1, 0);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Inputs"/> by 4×4 transposes (<see cref="Transpose4"/>): 4 pixels of a row × 4
    /// channels at a time, the pixels past the row's last whole four one value at a time. Quads of
    /// channels wholly past C are not written (they stay zero from the caller's clear); a quad that
    /// straddles C transposes zeros for its missing channels.
    /// </summary>
    /// <remarks>
    /// The AVX2 kernel's 8-lane copy, which one value at a time cost a third of the kernel's own
    /// time over r18w16-b64's filter gradients on Zen 3 (perf).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ByQuads(in BlockedFilterGradient.Plan plan, float* x, int first, int count, float* inputs)
    {
        var g = plan.G;
        int plane = g.H * g.W, lanes = plan.Lanes;
        int wholeW = g.W / 4 * 4;
        for (int block = 0; block < plan.InputBlocks; block++)
        {
            int channels = Math.Min(lanes, g.C - block * lanes);
            for (int i = 0; i < count; i++)
            {
                float* source = x + ((long)(first + i) * g.C + block * lanes) * plane;
                float* destination = inputs + block * plan.InputBlockStride + i * plan.PlaneFloats;
                for (int h = 0; h < g.H; h++)
                {
                    float* src = source + (long)h * g.W;
                    float* dst = destination + ((long)(h + g.PadH) * plan.PaddedW + g.PadW) * lanes;
                    for (int c0 = 0; c0 < channels; c0 += 4)
                    {
                        float* s = src + (long)c0 * plane;
                        float* d = dst + c0;
                        int live = channels - c0;
                        for (int w = 0; w < wholeW; w += 4, d += 4 * lanes)
                        {
                            var zero = Vector128<float>.Zero;
                            Transpose4.Store(Vector128.Load(s + w),
                                live > 1 ? Vector128.Load(s + plane + w) : zero,
                                live > 2 ? Vector128.Load(s + 2 * plane + w) : zero,
                                live > 3 ? Vector128.Load(s + 3 * plane + w) : zero, d, lanes);
                        }
                    }
                    for (int w = wholeW; w < g.W; w++)
                    {
                        float* d = dst + (long)w * lanes;
                        for (int c = 0; c < channels; c++) d[c] = src[(long)c * plane + w];
                    }
                }
            }
        }
    }

    /// <summary>Like <see cref="Inputs"/> for a subsampled copy: pixel (oy, ox) of the copy is (oy·strideH, ox·strideW) of the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Subsampled(in BlockedFilterGradient.Plan plan, float* x, int first, int count, float* inputs)
    {
        var g = plan.G;
        int plane = g.H * g.W, lanes = plan.Lanes;
        if (g.StrideW == 2 && Transpose4.IsSupported && lanes % 4 == 0)
        {
            SubsampledPairs(plan, x, first, count, inputs);
            return;
        }
        for (int block = 0; block < plan.InputBlocks; block++)
        {
            int channels = Math.Min(lanes, g.C - block * lanes);
            for (int i = 0; i < count; i++)
            {
                float* destination = inputs + block * plan.InputBlockStride + i * plan.PlaneFloats;
                for (int c = 0; c < lanes; c++, destination++)
                {
                    float* source = x + ((long)(first + i) * g.C + block * lanes + c) * plane;
                    float* dst = destination;
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        float* row = source + (long)oy * g.StrideH * g.W;
                        for (int ox = 0; ox < g.OutW; ox++, dst += lanes) *dst = c < channels ? row[ox * g.StrideW] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Subsampled"/> for a stride of 2 along rows (every ResNet shortcut): 4 channels × 4
    /// output pixels at a time, each channel's 4 pixels the even floats of 8 consecutive ones, then a
    /// <see cref="Transpose4"/>; the pixels past the last whole four one value at a time. Quads of
    /// channels wholly past C are not written (they stay zero from the caller's clear).
    /// </summary>
    /// <remarks>
    /// One value at a time this copy took three times as long as the multiply-adds over r18w16-b64's
    /// layer2.0sc on Zen 3 (perf, one thread).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubsampledPairs(in BlockedFilterGradient.Plan plan, float* x, int first, int count, float* inputs)
    {
        var g = plan.G;
        int plane = g.H * g.W, lanes = plan.Lanes;
        // Whole fours whose 8-float reads stay inside the row.
        int wholeW = Math.Min(g.OutW, g.W / 2) / 4 * 4;
        for (int block = 0; block < plan.InputBlocks; block++)
        {
            int channels = Math.Min(lanes, g.C - block * lanes);
            for (int i = 0; i < count; i++)
            {
                float* source = x + ((long)(first + i) * g.C + block * lanes) * plane;
                float* destination = inputs + block * plan.InputBlockStride + i * plan.PlaneFloats;
                for (int c0 = 0; c0 < channels; c0 += 4)
                {
                    int live = Math.Min(4, channels - c0);
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        float* row = source + (long)c0 * plane + (long)oy * g.StrideH * g.W;
                        float* d = destination + (long)oy * g.OutW * lanes + c0;
                        for (int ox = 0; ox < wholeW; ox += 4, d += 4 * lanes)
                        {
                            var zero = Vector128<float>.Zero;
                            float* s = row + 2 * ox;
                            Transpose4.Store(Evens(s),
                                live > 1 ? Evens(s + plane) : zero,
                                live > 2 ? Evens(s + 2 * plane) : zero,
                                live > 3 ? Evens(s + 3 * plane) : zero, d, lanes);
                        }
                        for (int ox = wholeW; ox < g.OutW; ox++, d += lanes)
                        {
                            for (int c = 0; c < live; c++) d[c] = row[(long)c * plane + 2 * ox];
                        }
                    }
                }
            }
        }
    }

    /// <summary>p[0], p[2], p[4], p[6].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Evens(float* p) => Sse.Shuffle(Sse.LoadVector128(p), Sse.LoadVector128(p + 4), 0b10_00_10_00);

    /// <summary>
    /// dy of images [first, first + count) into the chunk copy: [output block][image·P + pixel][R],
    /// channels past K as zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OutputGradients(in BlockedFilterGradient.Plan plan, float* dy, int first, int count, float* outputs)
    {
        var g = plan.G;
        int pixels = plan.Pixels, rows = plan.Rows;
        // Sixteen channels at a time fill two 8-channel blocks from one transpose.
        int wideChannels = plan.Lanes == Lanes16 && rows == Lanes16 / 2 && Avx512F.IsSupported ? g.K / Lanes16 * Lanes16 : 0;
        var block = stackalloc Vector512<float>[Lanes16];
        for (int i = 0; i < count; i++)
        {
            float* source = dy + (long)(first + i) * g.K * pixels;
            long within = (long)i * pixels;
            int wholePixels = pixels / Lanes16 * Lanes16;
            for (int k0 = 0; k0 < wideChannels; k0 += Lanes16)
            {
                float* low = outputs + k0 / rows * plan.OutputBlockStride + within * rows;
                float* high = low + plan.OutputBlockStride;
                for (int p = 0; p < wholePixels; p += Lanes16)
                {
                    for (int k = 0; k < Lanes16; k++) block[k] = Vector512.Load(source + (long)(k0 + k) * pixels + p);
                    Transpose16.InPlace(block);
                    for (int q = 0; q < Lanes16; q++)
                    {
                        block[q].GetLower().Store(low + (long)(p + q) * rows);
                        block[q].GetUpper().Store(high + (long)(p + q) * rows);
                    }
                }
                Scalar(plan, source, k0, k0 + Lanes16, wholePixels, within, outputs);
            }
            int quadChannels = wideChannels;
            if (Transpose4.IsSupported && rows % 4 == 0)
            {
                quadChannels = g.K / 4 * 4;
                Quads(plan, source, wideChannels, quadChannels, within, outputs);
            }
            Scalar(plan, source, quadChannels, plan.OutputBlocks * rows, 0, within, outputs);
        }
    }

    /// <summary>
    /// Channels [k0, k1) (whole fours, all below K) of one image by 4×4 transposes: 4 channels × 4
    /// pixels at a time, the pixels past the last whole four one value at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Quads(in BlockedFilterGradient.Plan plan, float* source, int k0, int k1, long within, float* outputs)
    {
        int pixels = plan.Pixels, rows = plan.Rows;
        int wholePixels = pixels / 4 * 4;
        for (int k = k0; k < k1; k += 4)
        {
            float* dst = outputs + k / rows * plan.OutputBlockStride + within * rows + k % rows;
            float* src = source + (long)k * pixels;
            for (int p = 0; p < wholePixels; p += 4) Transpose4.Copy(src + p, pixels, dst + (long)p * rows, rows);
            Scalar(plan, source, k, k + 4, wholePixels, within, outputs);
        }
    }

    /// <summary>Channels [k0, k1) (zeros from K on), pixels [p0, P) of one image, one value at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scalar(in BlockedFilterGradient.Plan plan, float* source, int k0, int k1, int p0, long within, float* outputs)
    {
        int pixels = plan.Pixels, rows = plan.Rows;
        for (int k = k0; k < k1; k++)
        {
            float* dst = outputs + k / rows * plan.OutputBlockStride + within * rows + k % rows;
            float* src = source + (long)k * pixels;
            bool real = k < plan.G.K;
            for (int p = p0; p < pixels; p++) dst[(long)p * rows] = real ? src[p] : 0f;
        }
    }

    /// <summary>
    /// One output channel's row of dW, (C, R, S), from its summed row of dWᵀ, (input block, tap,
    /// lane): each block's taps × 16 lanes transposed in registers into 16 runs of R·S values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FilterRow(in BlockedFilterGradient.Plan plan, float* sums, float* target)
    {
        int taps = plan.Taps, lanes = plan.Lanes, channels = plan.G.C;
        if (taps == 1)
        {
            new ReadOnlySpan<float>(sums, channels).CopyTo(new Span<float>(target, channels));
            return;
        }
        bool wide = lanes == Lanes16 && taps <= Lanes16 && Avx512F.IsSupported;
        var block = stackalloc Vector512<float>[Lanes16];
        for (int b = 0, c0 = 0; c0 < channels; b++, c0 += lanes)
        {
            float* source = sums + (long)b * taps * lanes;
            float* destination = target + (long)c0 * taps;
            int count = Math.Min(lanes, channels - c0), i = 0;
            if (wide)
            {
                for (int t = 0; t < Lanes16; t++) block[t] = t < taps ? Vector512.Load(source + t * Lanes16) : Vector512<float>.Zero;
                Transpose16.InPlace(block);
                // Each store runs past its channel's taps into the next channels', which later stores rewrite; none may
                // run past the block's last channel (the next row of dW may belong to another worker), so the last are written one value at a time.
                for (; i * taps + Lanes16 <= count * taps; i++) Vector512.Store(block[i], destination + i * taps);
            }
            for (; i < count; i++)
            {
                for (int t = 0; t < taps; t++) destination[i * taps + t] = source[t * lanes + i];
            }
        }
    }
}
