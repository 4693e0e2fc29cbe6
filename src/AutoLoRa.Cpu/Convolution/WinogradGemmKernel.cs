using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply stage of <see cref="WinogradConvolution"/> for one product ξ:
/// m[t, k] = Σ_c v[t, c] · u[c, k], 8 tiles × 32 output channels per call in 16 zmm accumulators
/// (8 × 16 for a last block of 16 channels). v rows are read where the input transform left them,
/// broadcast one value at a time; u comes in panels of 16 channels, one vector per input channel
/// (the layout the filter transform writes), so nothing is packed per call.
/// </summary>
internal static unsafe class WinogradGemmKernel
{
    public const int Tiles = 8;
    public const int Channels = 32;

    /// <summary>
    /// m[t, 0..32) for t &lt; 8: channels 0..16 from panel <paramref name="u0"/>, 16..32 from
    /// <paramref name="u1"/> (16 floats per input channel); rows of v <paramref name="ldv"/>, of m
    /// <paramref name="ldm"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run32(int depth, float* v, int ldv, float* u0, float* u1, float* m, int ldm)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;
        float* v0 = v, v1 = v + ldv, v2 = v + 2 * ldv, v3 = v + 3 * ldv;
        float* v4 = v + 4 * ldv, v5 = v + 5 * ldv, v6 = v + 6 * ldv, v7 = v + 7 * ldv;

        for (int c = 0; c < depth; c++, u0 += 16, u1 += 16)
        {
            var b0 = Vector512.Load(u0);
            var b1 = Vector512.Load(u1);
            var a0 = Vector512.Create(v0[c]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(v1[c]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(v2[c]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(v3[c]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(v4[c]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(v5[c]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(v6[c]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(v7[c]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }

        Vector512.Store(c00, m); Vector512.Store(c01, m + 16);
        Vector512.Store(c10, m + ldm); Vector512.Store(c11, m + ldm + 16);
        Vector512.Store(c20, m + 2 * ldm); Vector512.Store(c21, m + 2 * ldm + 16);
        Vector512.Store(c30, m + 3 * ldm); Vector512.Store(c31, m + 3 * ldm + 16);
        Vector512.Store(c40, m + 4 * ldm); Vector512.Store(c41, m + 4 * ldm + 16);
        Vector512.Store(c50, m + 5 * ldm); Vector512.Store(c51, m + 5 * ldm + 16);
        Vector512.Store(c60, m + 6 * ldm); Vector512.Store(c61, m + 6 * ldm + 16);
        Vector512.Store(c70, m + 7 * ldm); Vector512.Store(c71, m + 7 * ldm + 16);
    }

    /// <summary>As <see cref="Run32"/> for a block of 16 output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run16(int depth, float* v, int ldv, float* u, float* m, int ldm)
    {
        var c0 = Vector512<float>.Zero; var c1 = Vector512<float>.Zero;
        var c2 = Vector512<float>.Zero; var c3 = Vector512<float>.Zero;
        var c4 = Vector512<float>.Zero; var c5 = Vector512<float>.Zero;
        var c6 = Vector512<float>.Zero; var c7 = Vector512<float>.Zero;
        float* v0 = v, v1 = v + ldv, v2 = v + 2 * ldv, v3 = v + 3 * ldv;
        float* v4 = v + 4 * ldv, v5 = v + 5 * ldv, v6 = v + 6 * ldv, v7 = v + 7 * ldv;

        for (int c = 0; c < depth; c++, u += 16)
        {
            var b = Vector512.Load(u);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(v0[c]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(v1[c]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(v2[c]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(v3[c]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(v4[c]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(v5[c]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(v6[c]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(v7[c]), b, c7);
        }

        Vector512.Store(c0, m); Vector512.Store(c1, m + ldm);
        Vector512.Store(c2, m + 2 * ldm); Vector512.Store(c3, m + 3 * ldm);
        Vector512.Store(c4, m + 4 * ldm); Vector512.Store(c5, m + 5 * ldm);
        Vector512.Store(c6, m + 6 * ldm); Vector512.Store(c7, m + 7 * ldm);
    }
}
