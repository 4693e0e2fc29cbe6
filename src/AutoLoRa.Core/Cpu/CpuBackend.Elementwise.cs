using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public void Axpby(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Axpby), length, (a, "a"), (b, "b"), (y, "y"));
        var xa = Span(a, length);
        var xb = Span(b, length);
        var ys = Span(y, length);
        // Elementwise and in order, so y may alias a or b.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(xa);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(xb);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(ys);
            for (int v = 0; v < vy.Length; v++) vy[v] = alpha * va[v] + beta * vb[v];
            i = vy.Length * Vector<float>.Count;
        }
        for (; i < length; i++) ys[i] = alpha * xa[i] + beta * xb[i];
    }

    public void Scale(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Scale), length, (x, "x"), (y, "y"));
        TensorPrimitives.Multiply(Span(x, length), alpha, Span(y, length));
    }

    public void Multiply(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Multiply), length, (a, "a"), (b, "b"), (y, "y"));
        TensorPrimitives.Multiply(Span(a, length), Span(b, length), Span(y, length));
    }

    public void Relu(int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Relu), length, (x, "x"), (y, "y"));
        TensorPrimitives.Max(Span(x, length), 0f, Span(y, length));
    }

    public void ReluBackward(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.Elementwise(nameof(ReluBackward), length, (y, "y"), (dy, "dy"), (dx, "dx"));
        var ys = Span(y, length);
        var dys = Span(dy, length);
        var dxs = Span(dx, length);
        for (int i = 0; i < length; i++) dxs[i] = ys[i] > 0 ? dys[i] : 0f;
    }

    public void Sign(int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Sign), length, (x, "x"), (y, "y"));
        var xs = Span(x, length);
        var ys = Span(y, length);
        for (int i = 0; i < length; i++) ys[i] = xs[i] > 0 ? 1f : xs[i] < 0 ? -1f : 0f;
    }

    public void Clamp(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Clamp), length, (x, "x"), (y, "y"));
        TensorPrimitives.Max(Span(x, length), min, Span(y, length));
        TensorPrimitives.Min(Span(y, length), max, Span(y, length));
    }

    public void Minimum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Minimum), length, (a, "a"), (b, "b"), (y, "y"));
        TensorPrimitives.Min(Span(a, length), Span(b, length), Span(y, length));
    }

    public void Maximum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Maximum), length, (a, "a"), (b, "b"), (y, "y"));
        TensorPrimitives.Max(Span(a, length), Span(b, length), Span(y, length));
    }

    public void AddBias(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        PrimitiveChecks.Bias(nameof(AddBias), outer, channels, inner, y, "y", bias, "bias");
        var ys = Floats(y);
        var bs = Floats(bias);
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                TensorPrimitives.Add(ys.AsSpan((o * channels + c) * inner, inner), bs[c], ys.AsSpan((o * channels + c) * inner, inner));
            }
        }
    }

    public void BiasBackward(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        PrimitiveChecks.Bias(nameof(BiasBackward), outer, channels, inner, dy, "dy", dbias, "dbias");
        var dys = Floats(dy);
        var db = Span(dbias, channels);
        db.Clear();
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++) db[c] += TensorPrimitives.Sum<float>(dys.AsSpan((o * channels + c) * inner, inner));
        }
    }

    public void Sum(int length, DeviceBuffer x, DeviceBuffer result)
    {
        PrimitiveChecks.Sum(length, x, result);
        Floats(result)[0] = TensorPrimitives.Sum<float>(Span(x, length));
    }

    public void LogSoftmax(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Rows(nameof(LogSoftmax), rows, cols, (x, "x"), (y, "y"));
        var xs = Floats(x);
        var ys = Floats(y);
        for (int r = 0; r < rows; r++) LogSoftmaxRow(xs.AsSpan(r * cols, cols), ys.AsSpan(r * cols, cols));
    }

    public void LogSoftmaxBackward(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.Rows(nameof(LogSoftmaxBackward), rows, cols, (y, "y"), (dy, "dy"), (dx, "dx"));
        var ys = Floats(y);
        var dys = Floats(dy);
        var dxs = Floats(dx);
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            float total = TensorPrimitives.Sum<float>(dys.AsSpan(o, cols));
            for (int j = 0; j < cols; j++) dxs[o + j] = dys[o + j] - MathF.Exp(ys[o + j]) * total;
        }
    }

    public void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        PrimitiveChecks.ArgMaxRows(rows, cols, x, indices);
        var xs = Floats(x);
        var idx = Ints(indices);
        for (int r = 0; r < rows; r++) idx[r] = TensorPrimitives.IndexOfMax<float>(xs.AsSpan(r * cols, cols));
    }

    /// <summary>Numerically stable log-softmax of one row (shifted by the row maximum).</summary>
    private static void LogSoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        double sum = 0;
        for (int j = 0; j < x.Length; j++) sum += Math.Exp(x[j] - max);
        float logSum = max + (float)Math.Log(sum);
        TensorPrimitives.Subtract(x, logSum, y);
    }
}
