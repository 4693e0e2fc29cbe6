using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// The AVX2+FMA micro-kernel: a 6×16 tile of C in 12 ymm accumulators. With only 16 ymm
/// registers, 6×16 is the largest tile that leaves room for two B vectors and one broadcast.
/// </summary>
internal static unsafe class MicroKernelAvx2
{
    public const int Mr = 6;
    public const int Nr = 16;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// C[0..Mr, 0..Nr) = alpha · Apanel · Bpanel + beta · C over kc packed steps; C is not read when
    /// beta is 0. <paramref name="a"/> holds kc groups of Mr values, <paramref name="b"/> kc groups of Nr.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;

        // Per step: load one row of the B panel, broadcast each A value of the column and
        // accumulate; the Mr×Nr accumulators stay in registers for the whole loop.
        for (int p = 0; p < kc; p++, a += Mr, b += Nr)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
        }

        var va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Vector256.Store(c00 * va, c + 0);
            Vector256.Store(c01 * va, c + 8);
            Vector256.Store(c10 * va, c + 1 * ldc + 0);
            Vector256.Store(c11 * va, c + 1 * ldc + 8);
            Vector256.Store(c20 * va, c + 2 * ldc + 0);
            Vector256.Store(c21 * va, c + 2 * ldc + 8);
            Vector256.Store(c30 * va, c + 3 * ldc + 0);
            Vector256.Store(c31 * va, c + 3 * ldc + 8);
            Vector256.Store(c40 * va, c + 4 * ldc + 0);
            Vector256.Store(c41 * va, c + 4 * ldc + 8);
            Vector256.Store(c50 * va, c + 5 * ldc + 0);
            Vector256.Store(c51 * va, c + 5 * ldc + 8);
            return;
        }

        var vb = Vector256.Create(beta);
        Blend(c00, va, vb, c + 0);
        Blend(c01, va, vb, c + 8);
        Blend(c10, va, vb, c + 1 * ldc + 0);
        Blend(c11, va, vb, c + 1 * ldc + 8);
        Blend(c20, va, vb, c + 2 * ldc + 0);
        Blend(c21, va, vb, c + 2 * ldc + 8);
        Blend(c30, va, vb, c + 3 * ldc + 0);
        Blend(c31, va, vb, c + 3 * ldc + 8);
        Blend(c40, va, vb, c + 4 * ldc + 0);
        Blend(c41, va, vb, c + 4 * ldc + 8);
        Blend(c50, va, vb, c + 5 * ldc + 0);
        Blend(c51, va, vb, c + 5 * ldc + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blend(Vector256<float> acc, Vector256<float> alpha, Vector256<float> beta, float* dst) =>
        Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(dst), beta, acc * alpha), dst);
}
