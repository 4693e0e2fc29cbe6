using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoLoRa.Cpu.Convolution;

/// <summary>
/// The multiply stage of <see cref="WinogradFilterGradient"/> for one product ξ:
/// dU[c, k] (+)= Σ_t V[t, c] · dM[t, k] — a sum over tiles, 8 input channels × 32 output channels
/// per call in 16 zmm accumulators (8 × 16 for a last block of 16). The 8 input channels of a tile
/// are adjacent in V, so each step broadcasts from one short run.
/// </summary>
internal static unsafe class WinogradGradientKernel
{
    public const int Channels = 8;

    /// <summary>
    /// du[i, 0..32) (+)= Σ_t v[t·ldv + i] · dm[t·ldm .. +32) for i &lt; 8; rows of du
    /// <paramref name="ldu"/> floats apart; <paramref name="accumulate"/> adds to what du holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run32(int tiles, float* v, int ldv, float* dm, int ldm, float* du, int ldu, bool accumulate)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;

        for (int t = 0; t < tiles; t++, v += ldv, dm += ldm)
        {
            var b0 = Vector512.Load(dm);
            var b1 = Vector512.Load(dm + 16);
            var a0 = Vector512.Create(v[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(v[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(v[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(v[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(v[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(v[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(v[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(v[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }

        Store(c00, c01, du, accumulate);
        Store(c10, c11, du + ldu, accumulate);
        Store(c20, c21, du + 2 * ldu, accumulate);
        Store(c30, c31, du + 3 * ldu, accumulate);
        Store(c40, c41, du + 4 * ldu, accumulate);
        Store(c50, c51, du + 5 * ldu, accumulate);
        Store(c60, c61, du + 6 * ldu, accumulate);
        Store(c70, c71, du + 7 * ldu, accumulate);
    }

    /// <summary>As <see cref="Run32"/> for a block of 16 output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run16(int tiles, float* v, int ldv, float* dm, int ldm, float* du, int ldu, bool accumulate)
    {
        var c0 = Vector512<float>.Zero; var c1 = Vector512<float>.Zero;
        var c2 = Vector512<float>.Zero; var c3 = Vector512<float>.Zero;
        var c4 = Vector512<float>.Zero; var c5 = Vector512<float>.Zero;
        var c6 = Vector512<float>.Zero; var c7 = Vector512<float>.Zero;

        for (int t = 0; t < tiles; t++, v += ldv, dm += ldm)
        {
            var b = Vector512.Load(dm);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(v[0]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(v[1]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(v[2]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(v[3]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(v[4]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(v[5]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(v[6]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(v[7]), b, c7);
        }

        Store(c0, du, accumulate);
        Store(c1, du + ldu, accumulate);
        Store(c2, du + 2 * ldu, accumulate);
        Store(c3, du + 3 * ldu, accumulate);
        Store(c4, du + 4 * ldu, accumulate);
        Store(c5, du + 5 * ldu, accumulate);
        Store(c6, du + 6 * ldu, accumulate);
        Store(c7, du + 7 * ldu, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> low, Vector512<float> high, float* row, bool accumulate)
    {
        Store(low, row, accumulate);
        Store(high, row + 16, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> sum, float* destination, bool accumulate) =>
        Vector512.Store(accumulate ? sum + Vector512.Load(destination) : sum, destination);
}
