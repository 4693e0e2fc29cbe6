namespace AutoLoRa.Cpu;

/// <summary>
/// The layout primitives. SwapAxes: x (outer, a, b, inner) → y (outer, b, a, inner). Each input row (o, i)
/// of b·inner floats scatters its b runs of <c>inner</c> floats to their places in y;
/// <see cref="RowChunks"/> spreads the rows over the cores. Runs are copied as spans, so for the
/// transformer's head sizes (Dh = 64) this is a sequence of short memcpy calls. CopyRows: one span
/// copy per row.
/// </summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    protected override unsafe void SwapAxesCore(int outer, int a, int b, int inner, DeviceBuffer x, DeviceBuffer y)
    {
        if ((long)outer * a * b * inner == 0) return;
        fixed (float* px = Floats(x), py = Floats(y))
        {
            RowChunks.Run(outer * a, b * inner, new SwapRows { A = a, B = b, Inner = inner, X = px, Y = py });
        }
    }

    /// <inheritdoc/>
    protected override void CopyRowsCore(int rows, int width, DeviceBuffer x, int xOffset, int xStride, DeviceBuffer y, int yOffset, int yStride)
    {
        // A class token's rows are short (D floats, a sample's patches P·D): span copies on this
        // thread cost less than waking the workers.
        float[] src = Floats(x), dst = Floats(y);
        for (int r = 0; r < rows; r++) src.AsSpan(xOffset + r * xStride, width).CopyTo(dst.AsSpan(yOffset + r * yStride, width));
    }

    private unsafe struct SwapRows : IRowKernel
    {
        public int A, B, Inner;
        public float* X, Y;

        public readonly void Run(int start, int count)
        {
            for (int row = start; row < start + count; row++)
            {
                long o = row / A, i = row % A;
                float* src = X + (long)row * B * Inner;
                if (Inner == 1)
                {
                    // Single floats (the patch embedding's (N, D, P) → (N, P, D)): a span copy per float would cost more than the float.
                    for (int j = 0; j < B; j++) Y[(o * B + j) * A + i] = src[j];
                    continue;
                }
                for (int j = 0; j < B; j++)
                {
                    float* dst = Y + ((o * B + j) * A + i) * Inner;
                    new ReadOnlySpan<float>(src + (long)j * Inner, Inner).CopyTo(new Span<float>(dst, Inner));
                }
            }
        }
    }
}
