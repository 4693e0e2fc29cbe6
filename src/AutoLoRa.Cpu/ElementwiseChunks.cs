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
