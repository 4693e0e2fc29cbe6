using System.Runtime.Intrinsics.X86;
using AutoLoRa.Cpu.Simd;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The register tile of <see cref="FewChannelConvolution"/>: 3 output channels ×
/// <typeparamref name="TVectors"/>' rows of pixel vectors, each step one filter tap of one input
/// channel (a broadcast per channel, a load per pixel vector feeding 3 multiply-adds). Where
/// <see cref="RegisterTile{TV, TOps, THeight}"/>'s 8 channels × 2 vectors would leave 5 of 8
/// rows multiplying zeros for a 3-channel output, and needs 8 broadcasts per 2 loads, this spends
/// its registers on pixels: 3 broadcasts, one loaded vector at a time and 3 accumulators per
/// vector — 8 vectors (24 accumulators, 28 registers) on AVX-512's 32, 4 (12, 16) on AVX2's 16.
/// </summary>
internal static unsafe class FewChannelKernel<TV, TOps, TVectors>
    where TV : struct
    where TOps : IVectorOps<TV>
    where TVectors : ITileHeight
{
    /// <summary>Output channels per tile.</summary>
    public const int Channels = 3;

    /// <summary>Floats a step's prefetch advances: one cache line.</summary>
    public const int PrefetchStride = 16;

    /// <summary>Pixel vectors per tile (4 or 8).</summary>
    public static int Vectors => TVectors.Rows;

    /// <summary>Output pixels per vector.</summary>
    public static int Pixels => Unsafe.SizeOf<TV>() / sizeof(float);

    public static bool IsSupported => TOps.IsSupported;

    /// <summary>
    /// y[j, u·Pixels + lane] = epilogue(Σ_p a[p·3 + j] · image[origins[u] + offsets[p] + lane] + bias[j])
    /// for the first <paramref name="channels"/> channels and u &lt; <see cref="Vectors"/> (the pixel
    /// vectors' origins in the padded image). <paramref name="offset"/> is <paramref name="y"/>'s
    /// index in the whole output (for the epilogue's operands); channel planes are
    /// <paramref name="ld"/> floats apart. Each step also prefetches one cache line,
    /// <paramref name="prefetch"/> + <see cref="PrefetchStride"/>·p (the next image's input, while
    /// this one's multiply-adds keep the core busy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(int steps, float* a, int* offsets, float* image, int* origins,
        float* bias, int channels, ConvEpilogue epilogue, float* y, long offset, int ld, float* prefetch)
    {
        bool eight = TVectors.Rows > 4;
        float* x0 = image + origins[0], x1 = image + origins[1], x2 = image + origins[2], x3 = image + origins[3];
        float* x4 = eight ? image + origins[4] : null, x5 = eight ? image + origins[5] : null;
        float* x6 = eight ? image + origins[6] : null, x7 = eight ? image + origins[7] : null;
        TV c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default, c06 = default, c07 = default;
        TV c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default, c16 = default, c17 = default;
        TV c20 = default, c21 = default, c22 = default, c23 = default, c24 = default, c25 = default, c26 = default, c27 = default;
        for (int p = 0; p < steps; p++, a += Channels)
        {
            int o = offsets[p];
            Sse.Prefetch1(prefetch + p * PrefetchStride);
            var w0 = TOps.Broadcast(a[0]);
            var w1 = TOps.Broadcast(a[1]);
            var w2 = TOps.Broadcast(a[2]);
            var b = TOps.Load(x0 + o);
            c00 = TOps.MultiplyAdd(w0, b, c00); c10 = TOps.MultiplyAdd(w1, b, c10); c20 = TOps.MultiplyAdd(w2, b, c20);
            b = TOps.Load(x1 + o);
            c01 = TOps.MultiplyAdd(w0, b, c01); c11 = TOps.MultiplyAdd(w1, b, c11); c21 = TOps.MultiplyAdd(w2, b, c21);
            b = TOps.Load(x2 + o);
            c02 = TOps.MultiplyAdd(w0, b, c02); c12 = TOps.MultiplyAdd(w1, b, c12); c22 = TOps.MultiplyAdd(w2, b, c22);
            b = TOps.Load(x3 + o);
            c03 = TOps.MultiplyAdd(w0, b, c03); c13 = TOps.MultiplyAdd(w1, b, c13); c23 = TOps.MultiplyAdd(w2, b, c23);
            if (!eight) continue;
            b = TOps.Load(x4 + o);
            c04 = TOps.MultiplyAdd(w0, b, c04); c14 = TOps.MultiplyAdd(w1, b, c14); c24 = TOps.MultiplyAdd(w2, b, c24);
            b = TOps.Load(x5 + o);
            c05 = TOps.MultiplyAdd(w0, b, c05); c15 = TOps.MultiplyAdd(w1, b, c15); c25 = TOps.MultiplyAdd(w2, b, c25);
            b = TOps.Load(x6 + o);
            c06 = TOps.MultiplyAdd(w0, b, c06); c16 = TOps.MultiplyAdd(w1, b, c16); c26 = TOps.MultiplyAdd(w2, b, c26);
            b = TOps.Load(x7 + o);
            c07 = TOps.MultiplyAdd(w0, b, c07); c17 = TOps.MultiplyAdd(w1, b, c17); c27 = TOps.MultiplyAdd(w2, b, c27);
        }
        Write(c00, c01, c02, c03, c04, c05, c06, c07, bias, 0, epilogue, y, offset);
        if (channels > 1) Write(c10, c11, c12, c13, c14, c15, c16, c17, bias, 1, epilogue, y + ld, offset + ld);
        if (channels > 2) Write(c20, c21, c22, c23, c24, c25, c26, c27, bias, 2, epilogue, y + 2 * ld, offset + 2 * ld);
    }

    /// <summary>One channel's vectors (the first <see cref="Vectors"/>): bias, epilogue, store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(TV v0, TV v1, TV v2, TV v3, TV v4, TV v5, TV v6, TV v7,
        float* bias, int channel, ConvEpilogue epilogue, float* y, long offset)
    {
        var b = TOps.Broadcast(bias == null ? 0f : bias[channel]);
        int n = Pixels;
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v0, b), offset), y);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v1, b), offset + n), y + n);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v2, b), offset + 2 * n), y + 2 * n);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v3, b), offset + 3 * n), y + 3 * n);
        if (TVectors.Rows <= 4) return;
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v4, b), offset + 4 * n), y + 4 * n);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v5, b), offset + 5 * n), y + 5 * n);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v6, b), offset + 6 * n), y + 6 * n);
        TOps.Store(epilogue.On<TV, TOps>(TOps.Add(v7, b), offset + 7 * n), y + 7 * n);
    }
}
