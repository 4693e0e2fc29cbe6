using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoLoRa.Cpu.Gemm;

/// <summary>
/// The portable micro-kernel: a 4×8 tile over 128-bit vectors, for CPUs without AVX2/FMA
/// (and for testing the driver with a second tile shape). Vector128 is accelerated on every
/// 64-bit target .NET supports; multiply-add may or may not fuse there, which tests tolerate.
/// </summary>
internal static unsafe class MicroKernelPortable
{
    public const int Mr = 4;
    public const int Nr = 8;

    public static bool IsSupported => true;

    /// <summary>
    /// C[0..Mr, 0..Nr) = alpha · Apanel · Bpanel + beta · C over kc packed steps; C is not read when
    /// beta is 0. <paramref name="a"/> holds kc groups of Mr values, <paramref name="b"/> kc groups of Nr.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        var c00 = Vector128<float>.Zero; var c01 = Vector128<float>.Zero;
        var c10 = Vector128<float>.Zero; var c11 = Vector128<float>.Zero;
        var c20 = Vector128<float>.Zero; var c21 = Vector128<float>.Zero;
        var c30 = Vector128<float>.Zero; var c31 = Vector128<float>.Zero;

        // Per step: load one row of the B panel, broadcast each A value of the column and
        // accumulate; the Mr×Nr accumulators stay in registers for the whole loop.
        for (int p = 0; p < kc; p++, a += Mr, b += Nr)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(a0, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(a1, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(a2, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(a3, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(a3, b1, c31);
        }

        var va = Vector128.Create(alpha);
        if (beta == 0)
        {
            Vector128.Store(c00 * va, c + 0);
            Vector128.Store(c01 * va, c + 4);
            Vector128.Store(c10 * va, c + 1 * ldc + 0);
            Vector128.Store(c11 * va, c + 1 * ldc + 4);
            Vector128.Store(c20 * va, c + 2 * ldc + 0);
            Vector128.Store(c21 * va, c + 2 * ldc + 4);
            Vector128.Store(c30 * va, c + 3 * ldc + 0);
            Vector128.Store(c31 * va, c + 3 * ldc + 4);
            return;
        }

        var vb = Vector128.Create(beta);
        Blend(c00, va, vb, c + 0);
        Blend(c01, va, vb, c + 4);
        Blend(c10, va, vb, c + 1 * ldc + 0);
        Blend(c11, va, vb, c + 1 * ldc + 4);
        Blend(c20, va, vb, c + 2 * ldc + 0);
        Blend(c21, va, vb, c + 2 * ldc + 4);
        Blend(c30, va, vb, c + 3 * ldc + 0);
        Blend(c31, va, vb, c + 3 * ldc + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blend(Vector128<float> acc, Vector128<float> alpha, Vector128<float> beta, float* dst) =>
        Vector128.Store(Vector128.MultiplyAddEstimate(Vector128.Load(dst), beta, acc * alpha), dst);
}
