using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda.Runtime;

/// <summary>A kernel launch shape (CUDA's dim3).</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1);

/// <summary>cuBLAS's operation on a column-major operand.</summary>
public enum BlasOp
{
    /// <summary>As stored.</summary>
    N = 0,
    /// <summary>Transposed.</summary>
    T = 1,
}

/// <summary>A packed NCHW float32 tensor, as cudnnSetTensor4dDescriptor(NCHW, FLOAT, n, c, h, w) describes it.</summary>
public readonly record struct TensorDesc(int N, int C, int H, int W)
{
    /// <summary>Elements described.</summary>
    public long Count => (long)N * C * H * W;
}

/// <summary>A KCRS float32 filter, as cudnnSetFilter4dDescriptor(FLOAT, NCHW, k, c, r, s) describes it.</summary>
public readonly record struct FilterDesc(int K, int C, int R, int S)
{
    /// <summary>Elements described.</summary>
    public long Count => (long)K * C * R * S;
}

/// <summary>A 2-D cross-correlation (what frameworks call convolution), float32 compute.</summary>
public readonly record struct ConvDesc(int PadH, int PadW, int StrideH, int StrideW, int DilationH = 1, int DilationW = 1);

/// <summary>The pooling modes we use (cuDNN's values).</summary>
public enum PoolMode
{
    /// <summary>Window maximum.</summary>
    Max = 0,
    /// <summary>Window mean, padding counted (PyTorch's count_include_pad).</summary>
    AverageCountIncludePadding = 1,
}

/// <summary>A 2-D pooling window, as cudnnSetPooling2dDescriptor describes it.</summary>
public readonly record struct PoolDesc(PoolMode Mode, int WindowH, int WindowW, int PadH, int PadW, int StrideH, int StrideW);

/// <summary>
/// What CudaBackend needs from a device: memory, our kernels launched by name with
/// cuLaunchKernel's <c>void**</c> arguments, and exactly the cuBLAS and cuDNN calls we make, with
/// their semantics (column-major GEMM with op/ld; NCHW descriptors; cross-correlation; cuDNN's
/// batch-norm with exponential average factor, saved mean and inverse variance). Work is queued in
/// order on one stream; only the copies to the host and <see cref="Synchronize"/> wait for it.
/// cuDNN calls use alpha = 1, beta = 0 (overwrite), the only scaling this project needs.
/// Failures throw <see cref="CudaException"/> naming the call and status.
/// </summary>
public unsafe interface IDeviceRuntime : IDisposable
{
    /// <summary>"cuda" or "cuda-emu".</summary>
    string Name { get; }

    /// <summary>Streaming multiprocessors (the grid-size heuristic's unit).</summary>
    int MultiprocessorCount { get; }

    /// <summary>The arithmetic <see cref="Sgemm"/>, <see cref="SgemmStridedBatched"/> and the convolutions use on this device.</summary>
    MatrixPrecision Precision => MatrixPrecision.Fp32;

    /// <summary>Device memory of <paramref name="bytes"/> bytes (cuMemAlloc).</summary>
    ulong Allocate(nuint bytes);

    /// <summary>Releases memory from <see cref="Allocate"/>.</summary>
    void Free(ulong pointer);

    /// <summary>Queues a copy of host bytes to the device.</summary>
    void CopyToDevice(ulong destination, void* source, nuint bytes);

    /// <summary>Waits for queued work, then copies.</summary>
    void CopyToHost(void* destination, ulong source, nuint bytes);

    /// <summary>Queues a copy between device addresses.</summary>
    void CopyDeviceToDevice(ulong destination, ulong source, nuint bytes);

    /// <summary>Writes <paramref name="count"/> 32-bit words (cuMemsetD32Async).</summary>
    void Fill32(ulong destination, uint value, nuint count);

    /// <summary>Queues one of our kernels by its extern "C" name; <paramref name="args"/> as cuLaunchKernel takes them.</summary>
    void Launch(string kernel, Dim3 grid, Dim3 block, uint sharedBytes, void** args);

    /// <summary>Waits for all queued work and reports a failure of it.</summary>
    void Synchronize();

    /// <summary>cublasSgemm_v2: column-major C = α·op(A)·op(B) + β·C, op(A) m×k, op(B) k×n.</summary>
    void Sgemm(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc);

    /// <summary>cublasSgemmStridedBatched (strides in elements).</summary>
    void SgemmStridedBatched(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, float beta, ulong c, int ldc, long strideC, int batch);

    /// <summary>cudnnConvolutionForward: y = x ⋆ w.</summary>
    void ConvolutionForward(in TensorDesc xDesc, ulong x, in FilterDesc wDesc, ulong w, in ConvDesc conv, in TensorDesc yDesc, ulong y);

    /// <summary>cudnnConvolutionBackwardData: the input gradient dx.</summary>
    void ConvolutionBackwardData(in FilterDesc wDesc, ulong w, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in TensorDesc dxDesc, ulong dx);

    /// <summary>cudnnConvolutionBackwardFilter: the filter gradient dw.</summary>
    void ConvolutionBackwardFilter(in TensorDesc xDesc, ulong x, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in FilterDesc dwDesc, ulong dw);

    /// <summary>cudnnBatchNormalizationForwardTraining, SPATIAL mode, parameters 1×C×1×1.</summary>
    void BatchNormForwardTraining(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias, double exponentialAverageFactor,
        ulong runningMean, ulong runningVariance, double epsilon, ulong saveMean, ulong saveInvVariance);

    /// <summary>cudnnBatchNormalizationForwardInference with the estimated (running) statistics.</summary>
    void BatchNormForwardInference(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias,
        ulong estimatedMean, ulong estimatedVariance, double epsilon);

    /// <summary>cudnnBatchNormalizationBackward from the saved mean and inverse variance.</summary>
    void BatchNormBackward(in TensorDesc xDesc, ulong x, ulong dy, ulong dx, ulong scale, ulong dScale, ulong dBias,
        double epsilon, ulong savedMean, ulong savedInvVariance);

    /// <summary>cudnnPoolingForward.</summary>
    void PoolingForward(in PoolDesc pool, in TensorDesc xDesc, ulong x, in TensorDesc yDesc, ulong y);

    /// <summary>cudnnPoolingBackward (argument order y, dy, x, dx).</summary>
    void PoolingBackward(in PoolDesc pool, in TensorDesc yDesc, ulong y, ulong dy, in TensorDesc xDesc, ulong x, ulong dx);
}
