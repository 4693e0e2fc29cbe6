using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// Elementwise primitives, bias, sum and the row primitives against plain loops (double precision
/// where a sum is involved), on lengths with SIMD tails. These decide for every backend, the CPU
/// backend included.
/// </summary>
public static class ElementwiseReferenceCases
{
    /// <summary>One element, SIMD tails of every width, and more than a vector's worth.</summary>
    public static readonly int[] Lengths = [1, 7, 16, 33, 1000, 4099];

    private static readonly Tolerance Default = new(1e-4, 1e-5, "float arithmetic against the same float formula: only an ulp of rounding may differ");

    private static PrimitiveCase Case(string family, string name, string shape, CaseBuffers c, Action<Backend, DeviceBuffer[]> run, Func<IReadOnlyList<Array>, Array[]> reference) =>
        new() { Family = family, Name = name, Shape = shape, Buffers = c, Run = run, HostReference = reference };

    /// <summary>Scale, ReLU, sign and clamp of x (x[0] = 0: sign(0), ReLU(0)).</summary>
    public static PrimitiveCase Unary(int n)
    {
        var x = new SeededData(n + 1).Uniform(n, -2f, 2f);
        x[0] = 0f;
        var tolerance = new Tolerance(1e-6, 1e-7, "one float operation per element: correctly rounded on every backend");
        var c = new CaseBuffers();
        int input = c.In(x);
        int scale = c.Out(n, tolerance, "scale"), relu = c.Out(n, tolerance, "relu"), sign = c.Out(n, tolerance, "sign"), clamp = c.Out(n, tolerance, "clamp");
        return Case("elementwise vs reference", $"unary elementwise n={n}", $"{n}", c, (be, b) =>
        {
            be.Scale(n, -1.5f, b[input], b[scale]);
            be.Relu(n, b[input], b[relu]);
            be.Sign(n, b[input], b[sign]);
            be.Clamp(n, b[input], -0.5f, 0.75f, b[clamp]);
        }, _ => [Map(x, v => -1.5f * v), Map(x, v => Math.Max(v, 0f)), Map(x, v => Math.Sign(v)), Map(x, v => Math.Clamp(v, -0.5f, 0.75f))]);
    }

    /// <summary>Axpby, multiply, minimum, maximum, and axpby with the output aliasing an input.</summary>
    public static PrimitiveCase Binary(int n)
    {
        var a = new SeededData(3).Uniform(n, -2f, 2f);
        var b = new SeededData(4).Uniform(n, -2f, 2f);
        var c = new CaseBuffers();
        int da = c.InOut(a, Default, "axpby in place"), db = c.In(b);
        int axpby = c.Out(n, Default, "axpby"), mul = c.Out(n, Default, "multiply"), min = c.Out(n, Default, "minimum"), max = c.Out(n, Default, "maximum");
        return Case("elementwise vs reference", $"binary elementwise n={n}", $"{n}", c, (be, x) =>
        {
            be.Axpby(n, 0.5f, x[da], -2f, x[db], x[axpby]);
            be.Multiply(n, x[da], x[db], x[mul]);
            be.Minimum(n, x[da], x[db], x[min]);
            be.Maximum(n, x[da], x[db], x[max]);
            be.Axpby(n, 1f, x[da], 1f, x[db], x[da]);
        }, _ => [Zip(a, b, (p, q) => p + q), Zip(a, b, (p, q) => 0.5f * p - 2f * q), Zip(a, b, (p, q) => p * q), Zip(a, b, Math.Min), Zip(a, b, Math.Max)]);
    }

    /// <summary>ReLU, then its backward: the gradient passes where the output is positive.</summary>
    public static PrimitiveCase ReluBackward(int n)
    {
        var x = new SeededData(5).Uniform(n);
        var dy = new SeededData(6).Uniform(n);
        var c = new CaseBuffers();
        int input = c.In(x), grad = c.In(dy), y = c.Out(n, Default, "relu"), dx = c.Out(n, Default, "relu backward");
        return Case("elementwise vs reference", $"relu backward n={n}", $"{n}", c, (be, b) =>
        {
            be.Relu(n, b[input], b[y]);
            be.ReluBackward(n, b[y], b[grad], b[dx]);
        }, _ => [Map(x, v => Math.Max(v, 0f)), Zip(x, dy, (v, d) => v > 0 ? d : 0f)]);
    }

    /// <summary>Bias added in place, and the bias gradient (a per-channel sum, in double on the host).</summary>
    public static PrimitiveCase Bias(int outer, int channels, int inner)
    {
        int n = outer * channels * inner;
        var y0 = new SeededData(7).Uniform(n);
        var bias = new SeededData(8).Uniform(channels);
        var c = new CaseBuffers();
        int y = c.InOut(y0, Default, "bias add"), bb = c.In(bias), dy = c.In(y0);
        int db = c.Out(channels, new Tolerance(1e-5, 1e-5, "a per-channel sum of up to 500 values in [-1, 1) against a double sum"), "bias backward");
        return Case("bias vs reference", $"bias add and backward {outer}×{channels}×{inner}", $"{outer}×{channels}×{inner}", c, (be, b) =>
        {
            be.AddBias(outer, channels, inner, b[y], b[bb]);
            be.BiasBackward(outer, channels, inner, b[dy], b[db]);
        }, _ =>
        {
            var expected = new float[n];
            var dbias = new double[channels];
            for (int i = 0; i < n; i++)
            {
                int ch = i / inner % channels;
                expected[i] = y0[i] + bias[ch];
                dbias[ch] += y0[i];
            }
            return [expected, dbias.Select(v => (float)v).ToArray()];
        });
    }

    /// <summary>The sum of n values against a double sum.</summary>
    public static PrimitiveCase Sum(int n)
    {
        var x = new SeededData(9).Uniform(n);
        var c = new CaseBuffers();
        int input = c.In(x), sum = c.Out(1, new Tolerance(0, 1e-4 * Math.Sqrt(n), "a float sum's rounding error grows like √n (values in [-1, 1))"), "sum");
        return Case("bias vs reference", $"sum n={n}", $"{n}", c, (be, b) => be.Sum(n, b[input], b[sum]), _ => [new[] { (float)x.Sum(v => (double)v) }]);
    }

    /// <summary>Log-softmax of logits in [-30, 30), its backward, and the argmax of each row.</summary>
    public static PrimitiveCase LogSoftmax(int rows, int cols)
    {
        var x = new SeededData(10).Uniform(rows * cols, -30f, 30f);
        var dy = new SeededData(11).Uniform(rows * cols);
        var c = new CaseBuffers();
        int input = c.In(x), grad = c.In(dy);
        // Logits in [-30, 30): exponents in [-60, 0], row sums in [1, cols]; the backward's exp(y)·Σdy is
        // at most |dx| + 1 (|dy| ≤ 1), so exp's relative error gives a bound of the scaled form.
        var forward = new Tolerance(1e-5, 1e-5, "x − log Σ exp: one exp and log per row, against double")
            .WithDeviceMath(0, DeviceMath.ExpRelative(60) + DeviceMath.LogAbsolute(cols),
                $"Σexp within (5 + 2·60)u relatively (ex2.approx, PTX ISA §9.7.3.21), log within 2^-22·log2 {cols} (lg2.approx, §9.7.3.20)");
        var backward = new Tolerance(1e-4, 1e-5, "dy − exp(y)·Σdy: a row sum of up to 1000 gradients")
            .WithDeviceMath(DeviceMath.ExpRelative(60), DeviceMath.ExpRelative(60), "exp(y) within (5 + 2·60)u (ex2.approx, PTX ISA §9.7.3.21), times |exp(y)·Σdy| ≤ 1 + |dx|");
        int y = c.Out(rows * cols, forward, "log-softmax");
        int dx = c.Out(rows * cols, backward, "log-softmax backward");
        int arg = c.IntOut(rows, "argmax");
        return Case("rows vs reference", $"log-softmax and argmax {rows}×{cols}", $"{rows}×{cols}", c, (be, b) =>
        {
            be.LogSoftmax(rows, cols, b[input], b[y]);
            be.LogSoftmaxBackward(rows, cols, b[y], b[grad], b[dx]);
            be.ArgMaxRows(rows, cols, b[input], b[arg]);
        }, _ =>
        {
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
            return [expectedY, expectedDx, expectedArg];
        });
    }

    internal static float[] Map(float[] x, Func<float, float> f) => x.Select(f).ToArray();

    internal static float[] Zip(float[] a, float[] b, Func<float, float, float> f) => a.Zip(b, f).ToArray();
}
