using AutoLoRa.Cpu;
using AutoLoRa.Cpu.Gemm;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Cpu;

/// <summary>
/// Sgemm.Run directly: every kernel, serial and parallel, with sizes on both sides of every tile and
/// block boundary (the worker pool it runs on: CpuParallelTests). A kernel whose vectors the CPU lacks
/// runs in software (.NET's Vector512 and Vector256 fallbacks), so the AVX-512 kernel's 8×32 tiles and
/// their packing are checked on a CPU without AVX-512 too (not its speed or its instructions).
/// </summary>
[Collection(AloneCollection.Name)] // counts warm calls' allocations on its thread
public sealed unsafe class SgemmTests
{
    // Kernel names rather than the internal enum: theory parameters must be public types.
    public static TheoryData<string> Kernels() => new() { nameof(GemmKernel.Portable), nameof(GemmKernel.Avx2), nameof(GemmKernel.Avx512) };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sizes_straddling_tile_boundaries_match_reference(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernel>(kernelName);
        var (mr, nr) = Sgemm.TileOf(kernel);
        // mr + 4: a last micro-panel of exactly 4 rows, which the AVX2 GEMM runs on its 4-row tile straight into C.
        int[] ms = [1, mr - 1, mr, mr + 1, mr + 4, 2 * mr + 3];
        int[] ns = [1, nr - 1, nr, nr + 1, 3 * nr - 2];
        int[] ks = [1, 2, 9];
        int seed = 0;
        foreach (int m in ms.Where(v => v > 0))
        {
            foreach (int n in ns.Where(v => v > 0))
            {
                foreach (int k in ks)
                {
                    Check(kernel, (seed++ & 3) switch { 0 => (false, false), 1 => (true, false), 2 => (false, true), _ => (true, true) },
                        m, n, k, 1f, seed % 2 == 0 ? 0f : 0.5f, parallel: seed % 3 == 0, seed);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sizes_straddling_cache_blocks_match_reference(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernel>(kernelName);
        // k across KC (beta must apply once), n across NC (second packed B block), m odd.
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                Check(kernel, (ta, tb), 37, Sgemm.NC + 3, Sgemm.KC + 1, 0.5f, 2f, parallel: false, 11);
                Check(kernel, (ta, tb), 3, 2 * Sgemm.NC + 40, Sgemm.KC - 1, 1f, 0f, parallel: true, 12);
            }
        }
        Check(kernel, (false, false), 101, 77, 2 * Sgemm.KC + 5, 1f, 1f, parallel: true, 13);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Parallel_and_serial_give_the_same_answer_on_big_shapes(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernel>(kernelName);
        // Tall-narrow splits along m, wide splits along n: both strip directions are used.
        Check(kernel, (false, true), 300, 20, 200, 1f, 0f, parallel: true, 21);
        Check(kernel, (true, false), 64, 700, 300, 1f, 0.5f, parallel: true, 22);
        Check(kernel, (false, false), 64, 1024, 576, 1f, 0f, parallel: false, 23);
    }

    [Theory]
    [InlineData(false, 1, 1, 1)]
    [InlineData(false, 9, 33, 7)] // a short micro-panel of rows and a short tile of columns
    [InlineData(true, 37, Sgemm.NC + 3, Sgemm.KC + 1)] // two KC blocks, the second one step deep; two NC blocks
    [InlineData(false, 130, 700, 2 * Sgemm.KC + 5)] // big enough to split over the workers
    [InlineData(true, 300, 20, 200)] // tall and narrow: strips along m, each reading its own rows of the packed A
    public void A_packed_whole_gives_the_bits_of_a_gemm_that_packs_it_as_it_goes(bool transA, int m, int n, int k)
    {
        int lda = (transA ? m : k) + 1, ldc = n + 3;
        var a = TestData.Uniform((transA ? k : m) * lda, 31);
        var b = TestData.Uniform(k * n, 32);
        var packed = new float[Sgemm.PackedASize(m, k)];
        foreach (bool parallel in new[] { false, true })
        {
            var expected = new float[m * ldc];
            var c = new float[m * ldc];
            Array.Fill(c, float.NaN);
            fixed (float* pa = a, pb = b, pe = expected, pc = c, pp = packed)
            {
                Sgemm.Run(Sgemm.BestKernel, transA, false, m, n, k, 1f, pa, lda, pb, n, 0f, pe, ldc, parallel);
                Sgemm.PackA(transA, m, k, pa, lda, pp, parallel);
                Sgemm.RunPacked(m, n, k, pp, new MatrixPanels(false, pb, n), pc, ldc, parallel);
            }
            for (int i = 0; i < m; i++)
            {
                Assert.Equal(expected.AsSpan(i * ldc, n).ToArray(), c.AsSpan(i * ldc, n).ToArray());
                Assert.True(float.IsNaN(c[i * ldc + n]), $"padding of row {i} was written");
            }
        }
    }

    [Fact]
    public void Beta_zero_never_reads_c_and_k_zero_scales_it()
    {
        const int m = 10, n = 40, k = 7;
        var a = TestData.Uniform(m * k, 1);
        var b = TestData.Uniform(k * n, 2);
        var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pa = a, pb = b, pc = c) Sgemm.Run(false, false, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
        Assert.DoesNotContain(c, float.IsNaN);

        var d = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pd = d) Sgemm.Run(false, false, m, n, 0, 1f, null, 1, null, 1, 0f, pd, n);
        Assert.All(d, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Empty_shapes_do_nothing()
    {
        var c = new[] { 42f };
        fixed (float* pc = c)
        {
            Sgemm.Run(false, false, 0, 1, 5, 1f, null, 5, null, 1, 0f, pc, 1);
            Sgemm.Run(false, false, 1, 0, 5, 1f, null, 5, null, 1, 0f, pc, 1);
        }
        Assert.Equal(42f, c[0]);
    }

    [Fact]
    public void Steady_state_calls_allocate_nothing_on_the_calling_thread()
    {
        const int m = 96, n = 300, k = 200;
        var a = TestData.Uniform(m * k, 1);
        var b = TestData.Uniform(k * n, 2);
        var c = new float[m * n];
        fixed (float* pa = a, pb = b, pc = c)
        {
            Sgemm.Run(false, false, m, n, k, 1f, pa, k, pb, n, 0f, pc, n); // grows the scratch once
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Sgemm.Run(false, false, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void Concurrent_gemms_from_several_threads_are_correct()
    {
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try { Check(Sgemm.BestKernel, (t % 2 == 0, t % 3 == 0), 70 + t, 150 + 3 * t, 90, 1f, 0f, parallel: true, 100 + t); }
            catch (Exception e) { failures.Add(e); }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        Assert.Empty(failures);
    }

    private static void Check(GemmKernel kernel, (bool A, bool B) trans, int m, int n, int k, float alpha, float beta, bool parallel, int seed)
    {
        int lda = (trans.A ? m : k) + 1, ldb = (trans.B ? k : n) + 2, ldc = n + 3;
        var a = TestData.Uniform((trans.A ? k : m) * lda, seed);
        var b = TestData.Uniform((trans.B ? n : k) * ldb, seed + 1);
        var c = TestData.Uniform(m * ldc, seed + 2);
        if (beta == 0) Array.Fill(c, float.NaN);
        var expected = (float[])c.Clone();
        GemmReference.Run(trans.A, trans.B, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            Sgemm.Run(kernel, trans.A, trans.B, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, parallel);
        }
        // Only the m×n window is compared; the padding columns must be untouched (NaN stays NaN).
        for (int i = 0; i < m; i++)
        {
            float tol = GemmReference.Tolerance(k);
            TestData.AssertClose(expected.AsSpan(i * ldc, n), c.AsSpan(i * ldc, n), tol, tol,
                $"{kernel} tA={trans.A} tB={trans.B} {m}x{n}x{k} parallel={parallel} row {i}");
            for (int j = n; j < ldc; j++)
            {
                Assert.True(expected[i * ldc + j].Equals(c[i * ldc + j]), $"padding at row {i} col {j} was written");
            }
        }
    }
}
