using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>Elementwise primitives and reductions against plain loops, on lengths with SIMD tails.</summary>
public abstract partial class BackendConformanceTests
{
    public static TheoryData<int> ElementwiseLengths() => [1, 7, 16, 33, 1000, 4099];

    private void CheckUnary(int n, Action<DeviceBuffer, DeviceBuffer> run, Func<float, float> reference, string what)
    {
        var x = TestData.Uniform(n, seed: n + 1, lo: -2f, hi: 2f);
        x[0] = 0f; // sign(0), relu(0) and friends
        var buffer = Upload(x);
        var y = Backend.Allocate(n);
        run(buffer, y);
        TestData.AssertClose(x.Select(reference).ToArray(), Download(y), rtol: 1e-6f, atol: 1e-7f, what: what);
    }

    [BackendTheory]
    [MemberData(nameof(ElementwiseLengths))]
    public void Unary_elementwise_match_reference(int n)
    {
        CheckUnary(n, (x, y) => Backend.Scale(n, -1.5f, x, y), v => -1.5f * v, "scale");
        CheckUnary(n, (x, y) => Backend.Relu(n, x, y), v => Math.Max(v, 0f), "relu");
        CheckUnary(n, (x, y) => Backend.Sign(n, x, y), v => Math.Sign(v), "sign");
        CheckUnary(n, (x, y) => Backend.Clamp(n, x, -0.5f, 0.75f, y), v => Math.Clamp(v, -0.5f, 0.75f), "clamp");
    }

    [BackendTheory]
    [MemberData(nameof(ElementwiseLengths))]
    public void Binary_elementwise_match_reference_and_may_alias(int n)
    {
        var a = TestData.Uniform(n, seed: 3, lo: -2f, hi: 2f);
        var b = TestData.Uniform(n, seed: 4, lo: -2f, hi: 2f);
        var da = Upload(a);
        var db = Upload(b);
        var y = Backend.Allocate(n);
        Backend.Axpby(n, 0.5f, da, -2f, db, y);
        TestData.AssertClose(a.Zip(b, (p, q) => 0.5f * p - 2f * q).ToArray(), Download(y), what: "axpby");
        Backend.Multiply(n, da, db, y);
        TestData.AssertClose(a.Zip(b, (p, q) => p * q).ToArray(), Download(y), what: "multiply");
        Backend.Minimum(n, da, db, y);
        TestData.AssertClose(a.Zip(b, Math.Min).ToArray(), Download(y), what: "minimum");
        Backend.Maximum(n, da, db, y);
        TestData.AssertClose(a.Zip(b, Math.Max).ToArray(), Download(y), what: "maximum");

        // In place: y may be one of the inputs.
        Backend.Axpby(n, 1f, da, 1f, db, da);
        TestData.AssertClose(a.Zip(b, (p, q) => p + q).ToArray(), Download(da), what: "axpby in place");
    }

    [BackendTheory]
    [MemberData(nameof(ElementwiseLengths))]
    public void Relu_backward_passes_gradient_where_output_is_positive(int n)
    {
        var x = TestData.Uniform(n, seed: 5, lo: -1f, hi: 1f);
        var dy = TestData.Uniform(n, seed: 6);
        var dx = Upload(x);
        var y = Backend.Allocate(n);
        var g = Upload(dy);
        var result = Backend.Allocate(n);
        Backend.Relu(n, dx, y);
        Backend.ReluBackward(n, y, g, result);
        TestData.AssertClose(x.Zip(dy, (v, d) => v > 0 ? d : 0f).ToArray(), Download(result), what: "relu backward");
    }

    [BackendTheory]
    [InlineData(1, 3, 5)]
    [InlineData(4, 7, 33)]
    [InlineData(3, 16, 1)]
    public void Bias_add_and_its_backward_match_reference(int outer, int channels, int inner)
    {
        int n = outer * channels * inner;
        var y0 = TestData.Uniform(n, seed: 7);
        var bias = TestData.Uniform(channels, seed: 8);
        var y = Upload(y0);
        var b = Upload(bias);
        Backend.AddBias(outer, channels, inner, y, b);
        var expected = new float[n];
        var dbias = new double[channels];
        for (int i = 0; i < n; i++)
        {
            int c = i / inner % channels;
            expected[i] = y0[i] + bias[c];
            dbias[c] += y0[i];
        }
        TestData.AssertClose(expected, Download(y), what: "bias add");
        var dy = Upload(y0);
        var db = Backend.Allocate(channels);
        Backend.BiasBackward(outer, channels, inner, dy, db);
        TestData.AssertClose(dbias.Select(v => (float)v).ToArray(), Download(db), rtol: 1e-5f, atol: 1e-5f, what: "bias backward");
    }

    [BackendTheory]
    [MemberData(nameof(ElementwiseLengths))]
    public void Sum_matches_double_reference(int n)
    {
        var x = TestData.Uniform(n, seed: 9);
        var dx = Upload(x);
        var result = Backend.Allocate(1);
        Backend.Sum(n, dx, result);
        double expected = x.Sum(v => (double)v);
        Assert.InRange(Download(result)[0], expected - 1e-4 * Math.Sqrt(n), expected + 1e-4 * Math.Sqrt(n));
    }

    [BackendTheory]
    [InlineData(1, 1)]
    [InlineData(5, 10)]
    [InlineData(3, 1000)]
    public void Log_softmax_forward_backward_and_argmax_match_reference(int rows, int cols)
    {
        var x = TestData.Uniform(rows * cols, seed: 10, lo: -30f, hi: 30f);
        var dy = TestData.Uniform(rows * cols, seed: 11);
        var dxIn = Upload(x);
        var y = Backend.Allocate(rows * cols);
        var g = Upload(dy);
        var dx = Backend.Allocate(rows * cols);
        var argmax = Backend.Allocate(rows, DType.Int32);
        Backend.LogSoftmax(rows, cols, dxIn, y);
        Backend.LogSoftmaxBackward(rows, cols, y, g, dx);
        Backend.ArgMaxRows(rows, cols, dxIn, argmax);
        var expectedY = new float[rows * cols];
        var expectedDx = new float[rows * cols];
        var expectedArg = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * cols, cols).ToArray();
            double max = row.Max();
            double logSum = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            double gradSum = dy.AsSpan(r * cols, cols).ToArray().Sum(v => (double)v);
            for (int j = 0; j < cols; j++)
            {
                expectedY[r * cols + j] = (float)(row[j] - logSum);
                expectedDx[r * cols + j] = (float)(dy[r * cols + j] - Math.Exp(row[j] - logSum) * gradSum);
            }
            expectedArg[r] = Array.IndexOf(row, row.Max());
        }
        TestData.AssertClose(expectedY, Download(y), rtol: 1e-5f, atol: 1e-5f, what: "log-softmax");
        TestData.AssertClose(expectedDx, Download(dx), rtol: 1e-4f, atol: 1e-5f, what: "log-softmax backward");
        Assert.Equal(expectedArg, DownloadInts(argmax));
    }

    [BackendFact]
    public void Elementwise_primitives_reject_a_short_operand()
    {
        const int n = 10;
        using var s = new Scope(this);
        var full = s.Filled(n, 1);
        var other = s.Filled(n, 2);
        var shortBuffer = s.Filled(n - 1, 3);
        var e = Assert.Throws<BackendException>(() => Backend.Axpby(n, 1f, full, 1f, shortBuffer, other));
        Assert.Contains("Axpby: b has 9 elements, expected 10", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.Relu(n, full, shortBuffer));
        Assert.Contains("Relu: y has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.ReluBackward(n, full, shortBuffer, other));
        Assert.Contains("ReluBackward: dy has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.PgdStep(n, full, other, shortBuffer, 0.1f, 0.3f, full));
        Assert.Contains("PgdStep: x0 has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.SgdMomentumUpdate(n, full, other, shortBuffer, 0.1f, 0.9f, 0f));
        Assert.Contains("SgdMomentumUpdate: velocity has 9 elements", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.LogSoftmax(2, 5, full, shortBuffer));
        Assert.Contains("LogSoftmax: y has 9 elements, expected 10", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.AddBias(2, 3, 2, full, s.Filled(3, 0)));
        Assert.Contains("AddBias: y has 10 elements, expected 12", e.Message);
        Assert.Throws<BackendException>(() => Backend.Sum(n, shortBuffer, other));
        e = Assert.Throws<BackendException>(() => Backend.Scale(-1, 1f, full, other));
        Assert.Contains("negative length", e.Message);
        // Nothing was written by the rejected calls.
        Assert.All(Download(other), v => Assert.Equal(2f, v));
    }
}
