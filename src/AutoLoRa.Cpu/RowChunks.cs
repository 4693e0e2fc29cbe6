namespace AutoLoRa.Cpu;

/// <summary>A loop body over whole rows [start, start + count) of a row-major matrix; a struct so the JIT inlines it.</summary>
internal interface IRowKernel
{
    void Run(int start, int count);
}

/// <summary>
/// Runs a row kernel (softmax, LayerNorm: each row independent) over all cores in blocks of
/// whole rows of about 64 Ki floats; a small matrix stays on the calling thread, as in
/// <see cref="ElementwiseChunks"/>.
/// </summary>
internal static class RowChunks
{
    private const int ChunkElements = 1 << 16;

    public static void Run<TKernel>(int rows, int cols, TKernel kernel) where TKernel : struct, IRowKernel
    {
        int rowsPerChunk = Math.Max(1, ChunkElements / Math.Max(1, cols));
        if (rows <= rowsPerChunk)
        {
            kernel.Run(0, rows);
            return;
        }
        CpuParallel.For((rows + rowsPerChunk - 1) / rowsPerChunk, new Chunks<TKernel> { Kernel = kernel, Rows = rows, PerChunk = rowsPerChunk });
    }

    private struct Chunks<TKernel> : IParallelWork where TKernel : struct, IRowKernel
    {
        public TKernel Kernel;
        public int Rows, PerChunk;

        public readonly void Execute(int index)
        {
            int start = index * PerChunk;
            Kernel.Run(start, Math.Min(PerChunk, Rows - start));
        }
    }
}
