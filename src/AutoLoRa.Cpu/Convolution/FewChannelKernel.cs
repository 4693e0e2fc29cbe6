using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The register tile of <see cref="FewChannelConvolution"/>: 3 output channels ×
/// <see cref="Vectors"/> vectors of 16 output pixels, each step one filter tap of one input channel
/// (a broadcast per channel, a load per pixel vector feeding 3 multiply-adds). Where
/// <see cref="Simd.RegisterTile{TV, TOps, THeight}"/>'s 8 channels × 2 vectors would leave 5 of 8
/// rows multiplying zeros for a 3-channel output, and needs 8 broadcasts per 2 loads, this spends
/// its registers on pixels: 24 accumulators, 3 broadcasts and one loaded vector at a time.
/// </summary>
internal static unsafe class FewChannelKernel
{
    /// <summary>Output channels per tile.</summary>
    public const int Channels = 3;

    /// <summary>Pixel vectors per tile.</summary>
    public const int Vectors = 8;

    /// <summary>Output pixels per vector.</summary>
    public const int Pixels = 16;

    public static bool IsSupported => Simd.Vector512Ops.IsSupported;

    /// <summary>
    /// y[j, u·16 + lane] = epilogue(Σ_p a[p·3 + j] · image[origins[u] + offsets[p] + lane] + bias[j])
    /// for the first <paramref name="channels"/> channels and u &lt; 8 (the pixel vectors' origins
    /// in the padded image). <paramref name="offset"/> is <paramref name="y"/>'s index in the whole
    /// output (for the epilogue's operands); channel planes are <paramref name="ld"/> floats apart.
    /// Each step also prefetches one cache line, <paramref name="prefetch"/> + 16·p (the next
    /// image's input, while this one's multiply-adds keep the core busy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(int steps, float* a, int* offsets, float* image, int* origins,
        float* bias, int channels, ConvEpilogue epilogue, float* y, long offset, int ld, float* prefetch)
    {
        float* x0 = image + origins[0], x1 = image + origins[1], x2 = image + origins[2], x3 = image + origins[3];
        float* x4 = image + origins[4], x5 = image + origins[5], x6 = image + origins[6], x7 = image + origins[7];
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default, c06 = default, c07 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default, c16 = default, c17 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default, c24 = default, c25 = default, c26 = default, c27 = default;
        for (int p = 0; p < steps; p++, a += Channels)
        {
            int o = offsets[p];
            Sse.Prefetch1(prefetch + p * Pixels);
            var w0 = Vector512.Create(a[0]);
            var w1 = Vector512.Create(a[1]);
            var w2 = Vector512.Create(a[2]);
            var b = Vector512.Load(x0 + o);
            c00 = Vector512.FusedMultiplyAdd(w0, b, c00); c10 = Vector512.FusedMultiplyAdd(w1, b, c10); c20 = Vector512.FusedMultiplyAdd(w2, b, c20);
            b = Vector512.Load(x1 + o);
            c01 = Vector512.FusedMultiplyAdd(w0, b, c01); c11 = Vector512.FusedMultiplyAdd(w1, b, c11); c21 = Vector512.FusedMultiplyAdd(w2, b, c21);
            b = Vector512.Load(x2 + o);
            c02 = Vector512.FusedMultiplyAdd(w0, b, c02); c12 = Vector512.FusedMultiplyAdd(w1, b, c12); c22 = Vector512.FusedMultiplyAdd(w2, b, c22);
            b = Vector512.Load(x3 + o);
            c03 = Vector512.FusedMultiplyAdd(w0, b, c03); c13 = Vector512.FusedMultiplyAdd(w1, b, c13); c23 = Vector512.FusedMultiplyAdd(w2, b, c23);
            b = Vector512.Load(x4 + o);
            c04 = Vector512.FusedMultiplyAdd(w0, b, c04); c14 = Vector512.FusedMultiplyAdd(w1, b, c14); c24 = Vector512.FusedMultiplyAdd(w2, b, c24);
            b = Vector512.Load(x5 + o);
            c05 = Vector512.FusedMultiplyAdd(w0, b, c05); c15 = Vector512.FusedMultiplyAdd(w1, b, c15); c25 = Vector512.FusedMultiplyAdd(w2, b, c25);
            b = Vector512.Load(x6 + o);
            c06 = Vector512.FusedMultiplyAdd(w0, b, c06); c16 = Vector512.FusedMultiplyAdd(w1, b, c16); c26 = Vector512.FusedMultiplyAdd(w2, b, c26);
            b = Vector512.Load(x7 + o);
            c07 = Vector512.FusedMultiplyAdd(w0, b, c07); c17 = Vector512.FusedMultiplyAdd(w1, b, c17); c27 = Vector512.FusedMultiplyAdd(w2, b, c27);
        }
        Write(c00, c01, c02, c03, c04, c05, c06, c07, bias, 0, epilogue, y, offset);
        if (channels > 1) Write(c10, c11, c12, c13, c14, c15, c16, c17, bias, 1, epilogue, y + ld, offset + ld);
        if (channels > 2) Write(c20, c21, c22, c23, c24, c25, c26, c27, bias, 2, epilogue, y + 2 * ld, offset + 2 * ld);
    }

    /// <summary>One channel's vectors: bias, epilogue, store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7,
        float* bias, int channel, ConvEpilogue epilogue, float* y, long offset)
    {
        var b = bias == null ? Vector512<float>.Zero : Vector512.Create(bias[channel]);
        Vector512.Store(epilogue.On(v0 + b, offset), y);
        Vector512.Store(epilogue.On(v1 + b, offset + Pixels), y + Pixels);
        Vector512.Store(epilogue.On(v2 + b, offset + 2 * Pixels), y + 2 * Pixels);
        Vector512.Store(epilogue.On(v3 + b, offset + 3 * Pixels), y + 3 * Pixels);
        Vector512.Store(epilogue.On(v4 + b, offset + 4 * Pixels), y + 4 * Pixels);
        Vector512.Store(epilogue.On(v5 + b, offset + 5 * Pixels), y + 5 * Pixels);
        Vector512.Store(epilogue.On(v6 + b, offset + 6 * Pixels), y + 6 * Pixels);
        Vector512.Store(epilogue.On(v7 + b, offset + 7 * Pixels), y + 7 * Pixels);
    }
}
