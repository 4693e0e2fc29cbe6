using System.Numerics;
using System.Numerics.Tensors;

namespace AutoLoRa.Cpu;

/// <summary>
/// LayerNorm and softmax over the last axis of a (rows, cols) matrix: every row independent, so
/// <see cref="RowChunks"/> spreads whole rows over the cores and each row is SIMD. The operation
/// order is kernels/transformer.cu's (two-pass variance, (x − μ)·r·γ + β).
/// </summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    protected override unsafe void LayerNormCore(int rows, int cols, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta, float eps,
        DeviceBuffer y, DeviceBuffer mean, DeviceBuffer rstd)
    {
        fixed (float* px = Floats(x), pg = Floats(gamma), pb = Floats(beta), py = Floats(y), pm = Floats(mean), pr = Floats(rstd))
        {
            RowChunks.Run(rows, cols, new LayerNormRows { Cols = cols, Eps = eps, X = px, Gamma = pg, Beta = pb, Y = py, Mean = pm, Rstd = pr });
        }
    }

    private unsafe struct LayerNormRows : IRowKernel
    {
        public int Cols;
        public float Eps;
        public float* X, Gamma, Beta, Y, Mean, Rstd;

        public readonly void Run(int start, int count)
        {
            int n = Cols;
            for (int r = start; r < start + count; r++)
            {
                float* x = X + (long)r * n, y = Y + (long)r * n;
                var row = new ReadOnlySpan<float>(x, n);
                float mu = TensorPrimitives.Sum(row) / n;
                var vmu = new Vector<float>(mu);
                var acc = Vector<float>.Zero;
                int j = 0;
                for (; j <= n - Vector<float>.Count; j += Vector<float>.Count)
                {
                    var d = Vector.Load(x + j) - vmu;
                    acc += d * d;
                }
                float q = Vector.Sum(acc);
                for (; j < n; j++) q += (x[j] - mu) * (x[j] - mu);
                float inv = 1f / MathF.Sqrt(q / n + Eps);
                var vinv = new Vector<float>(inv);
                for (j = 0; j <= n - Vector<float>.Count; j += Vector<float>.Count)
                {
                    Vector.Store((Vector.Load(x + j) - vmu) * vinv * Vector.Load(Gamma + j) + Vector.Load(Beta + j), y + j);
                }
                for (; j < n; j++) y[j] = (x[j] - mu) * inv * Gamma[j] + Beta[j];
                Mean[r] = mu;
                Rstd[r] = inv;
            }
        }
    }

    /// <inheritdoc/>
    protected override unsafe void LayerNormBackwardCore(int rows, int cols, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer mean, DeviceBuffer rstd, DeviceBuffer dx)
    {
        fixed (float* px = Floats(x), pdy = Floats(dy), pg = Floats(gamma), pm = Floats(mean), pr = Floats(rstd), pdx = Floats(dx))
        {
            RowChunks.Run(rows, cols, new LayerNormBackwardRows { Cols = cols, X = px, Dy = pdy, Gamma = pg, Mean = pm, Rstd = pr, Dx = pdx });
        }
    }

    /// <summary>dx = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, x̂ = (x − μ)·r: two passes over the row.</summary>
    private unsafe struct LayerNormBackwardRows : IRowKernel
    {
        public int Cols;
        public float* X, Dy, Gamma, Mean, Rstd, Dx;

        public readonly void Run(int start, int count)
        {
            int n = Cols, w = Vector<float>.Count;
            for (int r = start; r < start + count; r++)
            {
                float* x = X + (long)r * n, dy = Dy + (long)r * n, dx = Dx + (long)r * n;
                float mu = Mean[r], inv = Rstd[r];
                Vector<float> vmu = new(mu), vinv = new(inv), sg = Vector<float>.Zero, sgx = Vector<float>.Zero;
                int j = 0;
                for (; j <= n - w; j += w)
                {
                    var g = Vector.Load(dy + j) * Vector.Load(Gamma + j);
                    sg += g;
                    sgx += g * ((Vector.Load(x + j) - vmu) * vinv);
                }
                float sumG = Vector.Sum(sg), sumGx = Vector.Sum(sgx);
                for (; j < n; j++)
                {
                    float g = dy[j] * Gamma[j];
                    sumG += g;
                    sumGx += g * ((x[j] - mu) * inv);
                }
                float meanG = sumG / n, meanGx = sumGx / n;
                Vector<float> vmeanG = new(meanG), vmeanGx = new(meanGx);
                for (j = 0; j <= n - w; j += w)
                {
                    var xhat = (Vector.Load(x + j) - vmu) * vinv;
                    Vector.Store(vinv * (Vector.Load(dy + j) * Vector.Load(Gamma + j) - vmeanG - xhat * vmeanGx), dx + j);
                }
                for (; j < n; j++) dx[j] = inv * (dy[j] * Gamma[j] - meanG - (x[j] - mu) * inv * meanGx);
            }
        }
    }

    /// <inheritdoc/>
    protected override unsafe void LayerNormParamsBackwardCore(int rows, int cols, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer mean,
        DeviceBuffer rstd, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        fixed (float* px = Floats(x), pdy = Floats(dy), pm = Floats(mean), pr = Floats(rstd), pdg = Floats(dgamma), pdb = Floats(dbeta))
        {
            var work = new LayerNormParamColumns { Rows = rows, Cols = cols, X = px, Dy = pdy, Mean = pm, Rstd = pr, Dgamma = pdg, Dbeta = pdb };
            CpuParallel.For((cols + LayerNormParamColumns.Block - 1) / LayerNormParamColumns.Block, work);
        }
    }

    /// <summary>
    /// dγ and dβ of one block of columns, walking down every row: the block's sums stay in L1 while
    /// each row contributes a contiguous, vectorised stretch. Blocks are independent, so no partials
    /// need merging.
    /// </summary>
    private unsafe struct LayerNormParamColumns : IParallelWork
    {
        public const int Block = 256;
        public int Rows, Cols;
        public float* X, Dy, Mean, Rstd, Dgamma, Dbeta;

        public readonly void Execute(int index)
        {
            int first = index * Block, width = Math.Min(Block, Cols - first), w = Vector<float>.Count;
            float* dg = Dgamma + first, db = Dbeta + first;
            new Span<float>(dg, width).Clear();
            new Span<float>(db, width).Clear();
            for (int r = 0; r < Rows; r++)
            {
                float* x = X + (long)r * Cols + first, dy = Dy + (long)r * Cols + first;
                float mu = Mean[r], inv = Rstd[r];
                Vector<float> vmu = new(mu), vinv = new(inv);
                int j = 0;
                for (; j <= width - w; j += w)
                {
                    var d = Vector.Load(dy + j);
                    Vector.Store(Vector.Load(dg + j) + d * ((Vector.Load(x + j) - vmu) * vinv), dg + j);
                    Vector.Store(Vector.Load(db + j) + d, db + j);
                }
                for (; j < width; j++)
                {
                    dg[j] += dy[j] * ((x[j] - mu) * inv);
                    db[j] += dy[j];
                }
            }
        }
    }

    /// <inheritdoc/>
    protected override unsafe void SoftmaxCore(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        fixed (float* px = Floats(x), py = Floats(y))
        {
            RowChunks.Run(rows, cols, new SoftmaxRows { Cols = cols, X = px, Y = py });
        }
    }

    /// <summary>y = exp(x − max)/Σ: the shift keeps exp in range; exp written first, then scaled by one reciprocal.</summary>
    private unsafe struct SoftmaxRows : IRowKernel
    {
        public int Cols;
        public float* X, Y;

        public readonly void Run(int start, int count)
        {
            for (int r = start; r < start + count; r++)
            {
                var x = new ReadOnlySpan<float>(X + (long)r * Cols, Cols);
                var y = new Span<float>(Y + (long)r * Cols, Cols);
                TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), y);
                TensorPrimitives.Exp(y, y);
                TensorPrimitives.Multiply(y, 1f / TensorPrimitives.Sum<float>(y), y);
            }
        }
    }

    /// <inheritdoc/>
    protected override unsafe void SoftmaxBackwardCore(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        fixed (float* py = Floats(y), pdy = Floats(dy), pdx = Floats(dx))
        {
            RowChunks.Run(rows, cols, new SoftmaxBackwardRows { Cols = cols, Y = py, Dy = pdy, Dx = pdx });
        }
    }

    /// <summary>dx = y·(dy − Σ y·dy).</summary>
    private unsafe struct SoftmaxBackwardRows : IRowKernel
    {
        public int Cols;
        public float* Y, Dy, Dx;

        public readonly void Run(int start, int count)
        {
            for (int r = start; r < start + count; r++)
            {
                var y = new ReadOnlySpan<float>(Y + (long)r * Cols, Cols);
                var dy = new ReadOnlySpan<float>(Dy + (long)r * Cols, Cols);
                var dx = new Span<float>(Dx + (long)r * Cols, Cols);
                TensorPrimitives.Subtract(dy, TensorPrimitives.Dot(y, dy), dx);
                TensorPrimitives.Multiply(dx, y, dx);
            }
        }
    }
}
