using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// The AVX-512 micro-kernel: an 8×32 tile of C in 16 zmm accumulators, fused multiply-add.
/// 8×32 keeps two B vectors and one broadcast live beside the accumulators (19 of 32 registers),
/// giving enough independent FMA chains to hide the FMA latency on every AVX-512 core we know.
/// </summary>
internal static unsafe class MicroKernelAvx512
{
    public const int Mr = 8;
    public const int Nr = 32;

    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// C[0..Mr, 0..Nr) = alpha · Apanel · Bpanel + beta · C over kc packed steps; C is not read when
    /// beta is 0. <paramref name="a"/> holds kc groups of Mr values, <paramref name="b"/> kc groups of Nr.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;

        // Per step: load one row of the B panel, broadcast each A value of the column and
        // accumulate; the Mr×Nr accumulators stay in registers for the whole loop.
        for (int p = 0; p < kc; p++, a += Mr, b += Nr)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
        }

        var va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Vector512.Store(c00 * va, c + 0);
            Vector512.Store(c01 * va, c + 16);
            Vector512.Store(c10 * va, c + 1 * ldc + 0);
            Vector512.Store(c11 * va, c + 1 * ldc + 16);
            Vector512.Store(c20 * va, c + 2 * ldc + 0);
            Vector512.Store(c21 * va, c + 2 * ldc + 16);
            Vector512.Store(c30 * va, c + 3 * ldc + 0);
            Vector512.Store(c31 * va, c + 3 * ldc + 16);
            Vector512.Store(c40 * va, c + 4 * ldc + 0);
            Vector512.Store(c41 * va, c + 4 * ldc + 16);
            Vector512.Store(c50 * va, c + 5 * ldc + 0);
            Vector512.Store(c51 * va, c + 5 * ldc + 16);
            Vector512.Store(c60 * va, c + 6 * ldc + 0);
            Vector512.Store(c61 * va, c + 6 * ldc + 16);
            Vector512.Store(c70 * va, c + 7 * ldc + 0);
            Vector512.Store(c71 * va, c + 7 * ldc + 16);
            return;
        }

        var vb = Vector512.Create(beta);
        Blend(c00, va, vb, c + 0);
        Blend(c01, va, vb, c + 16);
        Blend(c10, va, vb, c + 1 * ldc + 0);
        Blend(c11, va, vb, c + 1 * ldc + 16);
        Blend(c20, va, vb, c + 2 * ldc + 0);
        Blend(c21, va, vb, c + 2 * ldc + 16);
        Blend(c30, va, vb, c + 3 * ldc + 0);
        Blend(c31, va, vb, c + 3 * ldc + 16);
        Blend(c40, va, vb, c + 4 * ldc + 0);
        Blend(c41, va, vb, c + 4 * ldc + 16);
        Blend(c50, va, vb, c + 5 * ldc + 0);
        Blend(c51, va, vb, c + 5 * ldc + 16);
        Blend(c60, va, vb, c + 6 * ldc + 0);
        Blend(c61, va, vb, c + 6 * ldc + 16);
        Blend(c70, va, vb, c + 7 * ldc + 0);
        Blend(c71, va, vb, c + 7 * ldc + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blend(Vector512<float> acc, Vector512<float> alpha, Vector512<float> beta, float* dst) =>
        Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(dst), beta, acc * alpha), dst);
}
