using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    protected override unsafe void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc)
    {
        fixed (float* pa = Floats(a.Buffer), pb = Floats(b.Buffer), pc = Floats(c.Buffer))
        {
            Sgemm.Run(transA, transB, m, n, k, alpha, pa + a.Offset, lda, pb + b.Offset, ldb, beta, pc + c.Offset, ldc);
        }
    }

    /// <inheritdoc/>
    protected override unsafe void LinearForwardCore(int rows, int inFeatures, int outFeatures, DeviceBuffer x, DeviceBuffer w,
        DeviceBuffer bias, DeviceBuffer y)
    {
        fixed (float* px = Floats(x), pw = Floats(w), pb = Floats(bias), py = Floats(y))
        {
            Sgemm.RunWithBias(false, true, rows, outFeatures, inFeatures, px, inFeatures, pw, inFeatures, pb, py, outFeatures);
        }
    }

    /// <inheritdoc/>
    protected override unsafe void GemmStridedBatchedCore(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        float beta, BufferSlice c, int ldc, long strideC, int batch)
    {
        fixed (float* pa = Floats(a.Buffer), pb = Floats(b.Buffer), pc = Floats(c.Buffer))
        {
            var work = new BatchedGemm(transA, transB, m, n, k, alpha, pa + a.Offset, lda, strideA,
                pb + b.Offset, ldb, strideB, beta, pc + c.Offset, ldc, strideC);
            // Many small matrices: one per worker item, each serial. Few matrices: let each GEMM
            // use all cores instead.
            if (batch >= CpuParallel.WorkerCount) CpuParallel.For(batch, work);
            else for (int i = 0; i < batch; i++) work.Run(i, parallel: true);
        }
    }

    private readonly unsafe struct BatchedGemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float beta, float* c, int ldc, long strideC) : IParallelWork
    {
        public void Execute(int index) => Run(index, parallel: false);

        public void Run(int index, bool parallel) => Sgemm.Run(transA, transB, m, n, k, alpha,
            a + index * strideA, lda, b + index * strideB, ldb, beta, c + index * strideC, ldc, parallel);
    }
}
