using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>Backend.Gemm and GemmStridedBatched against a double-precision reference loop.</summary>
public abstract partial class BackendConformanceTests
{
    public static TheoryData<bool, bool, int, int, int> GemmShapes()
    {
        var data = new TheoryData<bool, bool, int, int, int>();
        (int M, int N, int K)[] shapes =
        [
            (1, 1, 1), (1, 7, 3), (7, 1, 5), (7, 17, 33), (17, 33, 7), (33, 65, 17),
            (65, 130, 33), (130, 65, 257), (64, 96, 8), (16, 100, 144),
        ];
        foreach (var (m, n, k) in shapes)
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true }) data.Add(ta, tb, m, n, k);
            }
        }
        return data;
    }

    [BackendTheory]
    [MemberData(nameof(GemmShapes))]
    public void Gemm_matches_reference(bool transA, bool transB, int m, int n, int k)
    {
        CheckGemm(transA, transB, m, n, k, alpha: 1f, beta: 0f, padding: 0, offset: 0, seed: m * 31 + n * 7 + k);
    }

    [BackendTheory]
    [InlineData(0.5f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(-2f, 0.25f)]
    [InlineData(0f, 3f)]
    public void Gemm_applies_alpha_and_beta(float alpha, float beta)
    {
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true }) CheckGemm(ta, tb, 19, 37, 45, alpha, beta, padding: 0, offset: 0, seed: 5);
        }
    }

    [BackendTheory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Gemm_honours_offsets_and_leading_dimensions(bool transA, bool transB)
    {
        CheckGemm(transA, transB, 23, 41, 35, alpha: 1.5f, beta: -0.5f, padding: 5, offset: 13, seed: 9);
    }

    [BackendFact]
    public void Gemm_with_beta_zero_ignores_nan_in_c()
    {
        const int m = 9, n = 35, k = 20;
        var a = TestData.Uniform(m * k, 1);
        var b = TestData.Uniform(k * n, 2);
        var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        var expected = new float[m * n];
        GemmReference.Run(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);

        using var scope = new Buffers();
        var da = scope.Add(Upload(a));
        var db = scope.Add(Upload(b));
        var dc = scope.Add(Upload(c));
        Backend.Gemm(false, false, m, n, k, 1f, da, k, db, n, 0f, dc, n);
        TestData.AssertClose(expected, Download(dc), GemmReference.Tolerance(k), GemmReference.Tolerance(k), "gemm beta=0 over NaN");
    }

    [BackendFact]
    public void Gemm_with_k_zero_scales_c_by_beta()
    {
        const int m = 5, n = 6;
        var c = TestData.Uniform(m * n, 3);
        using var scope = new Buffers();
        var dummy = scope.Add(Upload(new float[1]));
        var dc = scope.Add(Upload(c));
        Backend.Gemm(false, false, m, n, 0, 1f, dummy, 1, dummy, n, 0.5f, dc, n);
        TestData.AssertClose(c.Select(v => v * 0.5f).ToArray(), Download(dc), what: "gemm k=0");
    }

    [BackendTheory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void GemmStridedBatched_matches_reference_per_matrix(bool transA, bool transB)
    {
        const int m = 13, n = 29, k = 11, batch = 5, offset = 3;
        int lda = transA ? m : k, ldb = transB ? k : n, ldc = n + 2;
        long strideA = m * k + 4, strideB = k * n + 1, strideC = m * ldc + 6;
        var a = TestData.Uniform(offset + (int)strideA * batch, 21);
        var b = TestData.Uniform(offset + (int)strideB * batch, 22);
        var c = TestData.Uniform(offset + (int)strideC * batch, 23);
        var expected = (float[])c.Clone();
        for (int i = 0; i < batch; i++)
        {
            GemmReference.Run(transA, transB, m, n, k, 0.75f, a.AsSpan(offset + (int)(i * strideA)), lda,
                b.AsSpan(offset + (int)(i * strideB)), ldb, 0.5f, expected.AsSpan(offset + (int)(i * strideC)), ldc);
        }

        using var scope = new Buffers();
        var da = scope.Add(Upload(a));
        var db = scope.Add(Upload(b));
        var dc = scope.Add(Upload(c));
        Backend.GemmStridedBatched(transA, transB, m, n, k, 0.75f, new BufferSlice(da, offset), lda, strideA,
            new BufferSlice(db, offset), ldb, strideB, 0.5f, new BufferSlice(dc, offset), ldc, strideC, batch);
        TestData.AssertClose(expected, Download(dc), GemmReference.Tolerance(k), GemmReference.Tolerance(k), "gemm strided batched");
    }

    /// <summary>
    /// Runs one GEMM on the backend with row strides <paramref name="padding"/> wider than the
    /// matrices and all three operands starting <paramref name="offset"/> elements into their buffers;
    /// checks C, including that the padding and the prefix were left alone.
    /// </summary>
    private void CheckGemm(bool transA, bool transB, int m, int n, int k, float alpha, float beta, int padding, int offset, int seed)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + padding, ldb = bCols + padding, ldc = n + padding;
        var a = TestData.Uniform(offset + aRows * lda, seed);
        var b = TestData.Uniform(offset + bRows * ldb, seed + 1);
        var c = TestData.Uniform(offset + m * ldc, seed + 2);
        var expected = (float[])c.Clone();
        GemmReference.Run(transA, transB, m, n, k, alpha, a.AsSpan(offset), lda, b.AsSpan(offset), ldb, beta, expected.AsSpan(offset), ldc);

        using var scope = new Buffers();
        var da = scope.Add(Upload(a));
        var db = scope.Add(Upload(b));
        var dc = scope.Add(Upload(c));
        Backend.Gemm(transA, transB, m, n, k, alpha, new BufferSlice(da, offset), lda, new BufferSlice(db, offset), ldb, beta, new BufferSlice(dc, offset), ldc);
        float tol = GemmReference.Tolerance(k);
        TestData.AssertClose(expected, Download(dc), tol, tol, $"gemm tA={transA} tB={transB} {m}x{n}x{k} alpha={alpha} beta={beta}");
    }

    /// <summary>Releases the buffers a test uploaded, even when an assertion fails.</summary>
    private sealed class Buffers : IDisposable
    {
        private readonly List<DeviceBuffer> _buffers = [];

        public DeviceBuffer Add(DeviceBuffer buffer)
        {
            _buffers.Add(buffer);
            return buffer;
        }

        public void Dispose()
        {
            foreach (var buffer in _buffers) buffer.Release();
        }
    }

    [BackendFact]
    public void Gemm_rejects_a_short_operand()
    {
        const int m = 4, n = 5, k = 6;
        using var s = new Scope(this);
        var a = s.Filled(m * k, 1);
        var b = s.Filled(k * n, 1);
        var c = s.Filled(m * n, 0);
        var e = Assert.Throws<BackendException>(() => Backend.Gemm(false, false, m, n, k, 1f, s.Filled(m * k - 1, 1), k, b, n, 0f, c, n));
        Assert.Contains("Gemm: a has 23 elements, expected 24", e.Message);
        // The offset counts: a full-sized B read from element 1 runs one past its end.
        e = Assert.Throws<BackendException>(() => Backend.Gemm(false, false, m, n, k, 1f, a, k, new BufferSlice(b, 1), n, 0f, c, n));
        Assert.Contains("b has 30 elements, expected 31", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, s.Filled(m * n - 1, 0), n));
        Assert.Contains("c has 19 elements, expected 20", e.Message);
        // Strided batched: the last matrix of C must fit too.
        e = Assert.Throws<BackendException>(() => Backend.GemmStridedBatched(false, false, m, n, k, 1f, a, k, 0, b, n, 0,
            0f, s.Filled(3 * m * n - 1, 0), n, m * n, 3));
        Assert.Contains("GemmStridedBatched: c has 59 elements, expected 60", e.Message);
        Assert.Throws<BackendException>(() => Backend.Gemm(false, false, m, n, k, 1f, s.Add(Backend.Allocate(m * k, DType.Int32)), k, b, n, 0f, c, n));
    }

    [BackendFact]
    public void Gemm_rejects_a_leading_dimension_smaller_than_the_row()
    {
        const int m = 4, n = 5, k = 6;
        using var s = new Scope(this);
        var a = s.Filled(m * k, 1);
        var b = s.Filled(k * n, 1);
        var c = s.Filled(m * n, 0);
        var e = Assert.Throws<BackendException>(() => Backend.Gemm(false, false, m, n, k, 1f, a, k - 1, b, n, 0f, c, n));
        Assert.Contains("Gemm: lda = 5 is smaller than the row length 6 of a", e.Message);
        // Transposed, A is stored k×m: its row is m long.
        e = Assert.Throws<BackendException>(() => Backend.Gemm(true, false, m, n, k, 1f, a, m - 1, b, n, 0f, c, n));
        Assert.Contains("lda = 3 is smaller than the row length 4 of a", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.Gemm(false, true, m, n, k, 1f, a, k, b, k - 1, 0f, c, n));
        Assert.Contains("ldb = 5 is smaller than the row length 6 of b", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.GemmStridedBatched(false, false, m, n, k, 1f, a, k, 0, b, n, 0, 0f, c, n - 1, 0, 1));
        Assert.Contains("GemmStridedBatched: ldc = 4 is smaller than the row length 5 of c", e.Message);
    }
}
