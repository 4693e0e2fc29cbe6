using System.Numerics.Tensors;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public unsafe void Axpby(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Axpby), length, (a, "a"), (b, "b"), (y, "y"));
        fixed (float* pa = Floats(a), pb = Floats(b), py = Floats(y))
        {
            ElementwiseChunks.Run(length, new AxpbyKernel { Alpha = alpha, Beta = beta, A = pa, B = pb, Y = py });
        }
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

    public unsafe void Relu(int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Relu), length, (x, "x"), (y, "y"));
        fixed (float* px = Floats(x), py = Floats(y))
        {
            ElementwiseChunks.Run(length, new ReluKernel { X = px, Y = py });
        }
    }

    public unsafe void ReluBackward(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.Elementwise(nameof(ReluBackward), length, (y, "y"), (dy, "dy"), (dx, "dx"));
        fixed (float* py = Floats(y), pdy = Floats(dy), pdx = Floats(dx))
        {
            ElementwiseChunks.Run(length, new ReluBackwardKernel { Y = py, Dy = pdy, Dx = pdx });
        }
    }

    public void Sign(int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Sign), length, (x, "x"), (y, "y"));
        var xs = Span(x, length);
        var ys = Span(y, length);
        // Branch-free: the signs of gradients are as unpredictable as coin flips.
        for (int i = 0; i < length; i++) ys[i] = (xs[i] > 0 ? 1f : 0f) - (xs[i] < 0 ? 1f : 0f);
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
