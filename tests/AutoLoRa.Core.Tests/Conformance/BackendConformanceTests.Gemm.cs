using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// Backend.Gemm's edge cases (β = 0 over NaN, k = 0) and argument checks. Shapes, transposes, α,
/// β, offsets and strided batches against the reference loop are the verification table's
/// (AutoLoRa.Verify's GemmReferenceCases).
/// </summary>
public abstract partial class BackendConformanceTests
{
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
