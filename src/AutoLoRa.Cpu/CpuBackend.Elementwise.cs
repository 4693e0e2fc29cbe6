using System.Numerics;
using System.Numerics.Tensors;

namespace AutoLoRa.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    protected override unsafe void AxpbyCore(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        fixed (float* pa = Floats(a), pb = Floats(b), py = Floats(y))
        {
            ElementwiseChunks.Run(length, new AxpbyKernel { Alpha = alpha, Beta = beta, A = pa, B = pb, Y = py });
        }
    }

    /// <summary>y = alpha·a + beta·b; in order, so y may alias a or b.</summary>
    private unsafe struct AxpbyKernel : IElementwiseKernel
    {
        public float Alpha, Beta;
        public float* A, B, Y;

        public readonly void Run(int start, int count)
        {
            float* a = A + start, b = B + start, y = Y + start;
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Store(Alpha * Vector.Load(a + i) + Beta * Vector.Load(b + i), y + i);
            }
            for (; i < count; i++) y[i] = Alpha * a[i] + Beta * b[i];
        }
    }

    /// <inheritdoc/>
    protected override void ScaleCore(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        TensorPrimitives.Multiply(Span(x, length), alpha, Span(y, length));
    }

    /// <inheritdoc/>
    protected override void MultiplyCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        TensorPrimitives.Multiply(Span(a, length), Span(b, length), Span(y, length));
    }

    /// <inheritdoc/>
    protected override unsafe void ReluCore(int length, DeviceBuffer x, DeviceBuffer y)
    {
        fixed (float* px = Floats(x), py = Floats(y))
        {
            ElementwiseChunks.Run(length, new ReluKernel { X = px, Y = py });
        }
    }

    /// <summary>y = max(x, 0).</summary>
    private unsafe struct ReluKernel : IElementwiseKernel
    {
        public float* X, Y;

        public readonly void Run(int start, int count)
        {
            float* x = X + start, y = Y + start;
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Store(Vector.Max(Vector.Load(x + i), Vector<float>.Zero), y + i);
            }
            for (; i < count; i++) y[i] = MathF.Max(x[i], 0f);
        }
    }

    /// <inheritdoc/>
    protected override unsafe void AddReluCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        fixed (float* pa = Floats(a), pb = Floats(b), py = Floats(y))
        {
            ElementwiseChunks.Run(length, new AddReluKernel { A = pa, B = pb, Y = py });
        }
    }

    /// <summary>y = max(a + b, 0): the sum rounded once, as <c>Axpby(1, a, 1, b)</c> then <c>Relu</c> round it.</summary>
    private unsafe struct AddReluKernel : IElementwiseKernel
    {
        public float* A, B, Y;

        public readonly void Run(int start, int count)
        {
            float* a = A + start, b = B + start, y = Y + start;
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Store(Vector.Max(Vector.Load(a + i) + Vector.Load(b + i), Vector<float>.Zero), y + i);
            }
            for (; i < count; i++) y[i] = MathF.Max(a[i] + b[i], 0f);
        }
    }

    /// <inheritdoc/>
    protected override unsafe void ReluBackwardCore(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        fixed (float* py = Floats(y), pdy = Floats(dy), pdx = Floats(dx))
        {
            ElementwiseChunks.Run(length, new ReluBackwardKernel { Y = py, Dy = pdy, Dx = pdx });
        }
    }

    /// <summary>
    /// dx = dy where y &gt; 0, else 0 — a mask, not a branch (the pattern is data-dependent); the same
    /// values also into <see cref="SecondDx"/> when it is set (both inputs of an AddRelu).
    /// </summary>
    private unsafe struct ReluBackwardKernel : IElementwiseKernel
    {
        public float* Y, Dy, Dx, SecondDx;

        public readonly void Run(int start, int count)
        {
            float* y = Y + start, dy = Dy + start, dx = Dx + start;
            float* second = SecondDx == null ? null : SecondDx + start;
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                var positive = Vector.GreaterThan(Vector.Load(y + i), Vector<float>.Zero);
                var g = Vector.ConditionalSelect(positive, Vector.Load(dy + i), Vector<float>.Zero);
                Vector.Store(g, dx + i);
                if (second != null) Vector.Store(g, second + i);
            }
            for (; i < count; i++)
            {
                dx[i] = y[i] > 0 ? dy[i] : 0f;
                if (second != null) second[i] = dx[i];
            }
        }
    }

    /// <inheritdoc/>
    protected override unsafe void AddReluBackwardCore(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer da, DeviceBuffer db)
    {
        fixed (float* py = Floats(y), pdy = Floats(dy), pda = Floats(da), pdb = Floats(db))
        {
            ElementwiseChunks.Run(length, new ReluBackwardKernel { Y = py, Dy = pdy, Dx = pda, SecondDx = pdb });
        }
    }

    /// <inheritdoc/>
    protected override void SignCore(int length, DeviceBuffer x, DeviceBuffer y)
    {
        var xs = Span(x, length);
        var ys = Span(y, length);
        // Branch-free: the signs of gradients are as unpredictable as coin flips.
        for (int i = 0; i < length; i++) ys[i] = (xs[i] > 0 ? 1f : 0f) - (xs[i] < 0 ? 1f : 0f);
    }

    /// <inheritdoc/>
    protected override void ClampCore(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        TensorPrimitives.Max(Span(x, length), min, Span(y, length));
        TensorPrimitives.Min(Span(y, length), max, Span(y, length));
    }

    /// <inheritdoc/>
    protected override void MinimumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        TensorPrimitives.Min(Span(a, length), Span(b, length), Span(y, length));
    }

    /// <inheritdoc/>
    protected override void MaximumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        TensorPrimitives.Max(Span(a, length), Span(b, length), Span(y, length));
    }

    /// <inheritdoc/>
    protected override unsafe void AddBiasCore(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        if (inner == 1)
        {
            // A linear layer's (rows, features) output: one vector add of the whole bias per row,
            // not one call per element (a ViT's fc1 output is 2080 × 768 at batch 32).
            fixed (float* py = Floats(y), pb = Floats(bias))
            {
                RowChunks.Run(outer, channels, new BiasRows { Cols = channels, Y = py, Bias = pb });
            }
            return;
        }
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

    /// <summary>y[r, :] += bias for each row r.</summary>
    private unsafe struct BiasRows : IRowKernel
    {
        public int Cols;
        public float* Y, Bias;

        public readonly void Run(int start, int count)
        {
            var bias = new ReadOnlySpan<float>(Bias, Cols);
            for (int r = start; r < start + count; r++)
            {
                var row = new Span<float>(Y + (long)r * Cols, Cols);
                TensorPrimitives.Add(row, bias, row);
            }
        }
    }

    /// <inheritdoc/>
    protected override unsafe void BiasBackwardCore(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        if (inner == 1)
        {
            // Column sums of (rows, features), a block of columns per work item, rows added in
            // order: each dbias[c] is summed in the same order as the general loop below.
            fixed (float* pdy = Floats(dy), pdb = Floats(dbias))
            {
                var work = new BiasColumnSums { Rows = outer, Cols = channels, Dy = pdy, Dbias = pdb };
                CpuParallel.For((channels + BiasColumnSums.Block - 1) / BiasColumnSums.Block, work);
            }
            return;
        }
        var dys = Floats(dy);
        var db = Span(dbias, channels);
        db.Clear();
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++) db[c] += TensorPrimitives.Sum<float>(dys.AsSpan((o * channels + c) * inner, inner));
        }
    }

    /// <summary>dbias[first .. first + Block) = Σ over rows of dy[r, first .. first + Block): the block's sums stay in L1.</summary>
    private unsafe struct BiasColumnSums : IParallelWork
    {
        // 64 columns: a transformer's 192 to 768 features still give every core several blocks.
        public const int Block = 64;
        public int Rows, Cols;
        public float* Dy, Dbias;

        public readonly void Execute(int index)
        {
            int first = index * Block, width = Math.Min(Block, Cols - first);
            var sums = new Span<float>(Dbias + first, width);
            sums.Clear();
            for (int r = 0; r < Rows; r++) TensorPrimitives.Add(sums, new ReadOnlySpan<float>(Dy + (long)r * Cols + first, width), sums);
        }
    }

    /// <inheritdoc/>
    protected override void SumCore(int length, DeviceBuffer x, DeviceBuffer result)
    {
        Floats(result)[0] = TensorPrimitives.Sum<float>(Span(x, length));
    }

    /// <inheritdoc/>
    protected override void LogSoftmaxCore(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        var xs = Floats(x);
        var ys = Floats(y);
        for (int r = 0; r < rows; r++) LogSoftmaxRow(xs.AsSpan(r * cols, cols), ys.AsSpan(r * cols, cols));
    }

    /// <inheritdoc/>
    protected override void LogSoftmaxBackwardCore(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
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

    /// <inheritdoc/>
    protected override void ArgMaxRowsCore(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
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
