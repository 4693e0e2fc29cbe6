using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Cpu.Gemm;

namespace AutoLoRa.Core.Cpu;

public sealed partial class CpuBackend
{
    public unsafe void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc)
    {
        fixed (float* pa = Floats(a.Buffer), pb = Floats(b.Buffer), pc = Floats(c.Buffer))
        {
            Sgemm.Run(transA, transB, m, n, k, alpha, pa + a.Offset, lda, pb + b.Offset, ldb, beta, pc + c.Offset, ldc);
        }
    }

    public unsafe void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        float beta, BufferSlice c, int ldc, long strideC, int batch)
    {
        fixed (float* pa = Floats(a.Buffer), pb = Floats(b.Buffer), pc = Floats(c.Buffer))
        {
            for (int i = 0; i < batch; i++)
            {
                Sgemm.Run(transA, transB, m, n, k, alpha, pa + a.Offset + i * strideA, lda,
                    pb + b.Offset + i * strideB, ldb, beta, pc + c.Offset + i * strideC, ldc);
            }
        }
    }
}
