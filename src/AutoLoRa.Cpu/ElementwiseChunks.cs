using System.Numerics;

namespace AutoLoRa.Cpu;

/// <summary>An elementwise loop body over [start, start + count); a struct so the JIT inlines it per kernel.</summary>
internal interface IElementwiseKernel
{
    void Run(int start, int count);
}

/// <summary>
/// Runs an elementwise kernel over a long array in cache-sized chunks on all cores. These passes
/// are memory-bound, so one core leaves half of the machine's bandwidth unused on activations of
/// a few MiB; short arrays stay on the calling thread, where waking the pool would cost more.
/// </summary>
internal static class ElementwiseChunks
{
    // 64 Ki floats (256 KiB) per chunk: long enough to amortise scheduling, short enough to balance.
    private const int Chunk = 1 << 16;

    public static void Run<TKernel>(int length, TKernel kernel) where TKernel : struct, IElementwiseKernel
    {
        if (length <= Chunk)
        {
            kernel.Run(0, length);
            return;
        }
        CpuParallel.For((length + Chunk - 1) / Chunk, new Chunks<TKernel> { Kernel = kernel, Length = length });
    }

    private struct Chunks<TKernel> : IParallelWork where TKernel : struct, IElementwiseKernel
    {
        public TKernel Kernel;
        public int Length;

        public readonly void Execute(int index)
        {
            int start = index * Chunk;
            Kernel.Run(start, Math.Min(Chunk, Length - start));
        }
    }
}

/// <summary>y = alpha·a + beta·b; in order, so y may alias a or b.</summary>
internal unsafe struct AxpbyKernel : IElementwiseKernel
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

/// <summary>y = max(x, 0).</summary>
internal unsafe struct ReluKernel : IElementwiseKernel
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

/// <summary>y = max(a + b, 0): the sum rounded once, as <c>Axpby(1, a, 1, b)</c> then <c>Relu</c> round it.</summary>
internal unsafe struct AddReluKernel : IElementwiseKernel
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

/// <summary>dx = dy where y &gt; 0, else 0 — a mask, not a branch (the pattern is data-dependent).</summary>
internal unsafe struct ReluBackwardKernel : IElementwiseKernel
{
    public float* Y, Dy, Dx;

    public readonly void Run(int start, int count)
    {
        float* y = Y + start, dy = Dy + start, dx = Dx + start;
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var positive = Vector.GreaterThan(Vector.Load(y + i), Vector<float>.Zero);
            Vector.Store(Vector.ConditionalSelect(positive, Vector.Load(dy + i), Vector<float>.Zero), dx + i);
        }
        for (; i < count; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }
}

/// <summary>
/// One L∞ PGD step: out = clamp(clamp(x + α·sign(g), x0 − ε, x0 + ε), 0, 1), sign(0) = 0. Masks,
/// not branches: gradient signs are as unpredictable as coin flips.
/// </summary>
internal unsafe struct PgdStepKernel : IElementwiseKernel
{
    public float Alpha, Eps;
    public float* X, Grad, X0, Out;

    public readonly void Run(int start, int count)
    {
        float* x = X + start, g = Grad + start, x0 = X0 + start, y = Out + start;
        var alpha = new Vector<float>(Alpha);
        var eps = new Vector<float>(Eps);
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var gi = Vector.Load(g + i);
            var up = Vector.ConditionalSelect(Vector.GreaterThan(gi, Vector<float>.Zero), alpha, Vector<float>.Zero);
            var down = Vector.ConditionalSelect(Vector.LessThan(gi, Vector<float>.Zero), alpha, Vector<float>.Zero);
            var center = Vector.Load(x0 + i);
            var step = Vector.Load(x + i) + up - down;
            step = Vector.Min(Vector.Max(step, center - eps), center + eps);
            Vector.Store(Vector.Min(Vector.Max(step, Vector<float>.Zero), Vector<float>.One), y + i);
        }
        for (; i < count; i++)
        {
            float step = x[i] + (g[i] > 0 ? Alpha : g[i] < 0 ? -Alpha : 0f);
            step = Math.Clamp(step, x0[i] - Eps, x0[i] + Eps);
            y[i] = Math.Clamp(step, 0f, 1f);
        }
    }
}
