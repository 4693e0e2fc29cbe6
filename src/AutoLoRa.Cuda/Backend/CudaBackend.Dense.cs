using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda;

/// <summary>GEMM (cuBLAS), convolution, batch-norm and pooling (cuDNN, and our max-pool kernels).</summary>
public sealed unsafe partial class CudaBackend
{
    // Row-major C (m×n) is column-major Cᵀ (n×m) with the same leading dimension, and
    // Cᵀ = op(B)ᵀ·op(A)ᵀ; a row-major operand read column-major is already its transpose, so the
    // call swaps A/B and m/n and keeps each operand's own transpose flag.
    protected override void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc)
    {
        if (m == 0 || n == 0) return;
        _runtime.Sgemm(Op(transB), Op(transA), n, m, k, alpha, Ptr(b), ldb, Ptr(a), lda, beta, Ptr(c), ldc);
    }

    protected override void GemmStridedBatchedCore(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        float beta, BufferSlice c, int ldc, long strideC, int batch)
    {
        if (m == 0 || n == 0 || batch == 0) return;
        _runtime.SgemmStridedBatched(Op(transB), Op(transA), n, m, k, alpha, Ptr(b), ldb, strideB, Ptr(a), lda, strideA,
            beta, Ptr(c), ldc, strideC, batch);
    }

    private static BlasOp Op(bool transpose) => transpose ? BlasOp.T : BlasOp.N;

    protected override void Conv2dForwardCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y)
    {
        var (xd, wd, cd, yd) = Descriptors(g);
        _runtime.ConvolutionForward(xd, Ptr(x), wd, Ptr(w), cd, yd, Ptr(y));
        if (bias is not null) AddBias(g.N, g.K, g.OutH * g.OutW, y, bias);
    }

    protected override void Conv2dBackwardDataCore(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        var (xd, wd, cd, yd) = Descriptors(g);
        _runtime.ConvolutionBackwardData(wd, Ptr(w), yd, Ptr(dy), cd, xd, Ptr(dx));
    }

    protected override void Conv2dBackwardFilterCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        var (xd, wd, cd, yd) = Descriptors(g);
        _runtime.ConvolutionBackwardFilter(xd, Ptr(x), yd, Ptr(dy), cd, wd, Ptr(dw));
    }

    private static (TensorDesc X, FilterDesc W, ConvDesc Conv, TensorDesc Y) Descriptors(in ConvGeometry g) =>
        (new TensorDesc(g.N, g.C, g.H, g.W), new FilterDesc(g.K, g.C, g.R, g.S),
         new ConvDesc(g.PadH, g.PadW, g.StrideH, g.StrideW), new TensorDesc(g.N, g.K, g.OutH, g.OutW));

    // cuDNN's factor is PyTorch's momentum: running = (1 − f)·running + f·batch, and cuDNN also
    // keeps the unbiased variance in the running estimate and saves 1/sqrt(biased var + ε).
    protected override void BatchNormForwardTrainingCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd)
    {
        _runtime.BatchNormForwardTraining(new TensorDesc(n, c, 1, hw), Ptr(x), Ptr(y), Ptr(gamma), Ptr(beta), momentum,
            Ptr(runningMean), Ptr(runningVar), eps, Ptr(saveMean), Ptr(saveInvStd));
    }

    protected override void BatchNormForwardInferenceCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y)
    {
        _runtime.BatchNormForwardInference(new TensorDesc(n, c, 1, hw), Ptr(x), Ptr(y), Ptr(gamma), Ptr(beta), Ptr(runningMean), Ptr(runningVar), eps);
    }

    protected override void BatchNormBackwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        // ε only matters when the saved statistics are absent; they are always given here.
        _runtime.BatchNormBackward(new TensorDesc(n, c, 1, hw), Ptr(x), Ptr(dy), Ptr(dx), Ptr(gamma), Ptr(dgamma), Ptr(dbeta),
            1e-5, Ptr(saveMean), Ptr(saveInvStd));
    }

    protected override void MaxPool2dForwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax)
    {
        _kernels.MaxpoolForwardF32(Ptr(x), Ptr(y), Ptr(argmax), g.N * g.C, g.H, g.W, g.OutH, g.OutW, g.Kernel, g.Stride, g.Pad);
    }

    protected override void MaxPool2dBackwardCore(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx)
    {
        _kernels.MaxpoolBackwardF32(Ptr(dy), Ptr(argmax), Ptr(dx), _errorFlag.Pointer, g.N * g.C, g.H, g.W, g.OutH, g.OutW,
            g.Kernel, g.Stride, g.Pad);
        // The contract reports a corrupt argmax from this call, so wait for the flag here.
        Synchronize();
    }

    protected override void AvgPool2dForwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        _runtime.PoolingForward(AvgPool(g), new TensorDesc(g.N, g.C, g.H, g.W), Ptr(x), new TensorDesc(g.N, g.C, g.OutH, g.OutW), Ptr(y));
    }

    protected override void AvgPool2dBackwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx)
    {
        // Average pooling's gradient reads neither y nor x, but cuDNN takes both. x is the real input;
        // dy stands in for y (same shape, read-only like y). dx must not: an output may not alias an input.
        _runtime.PoolingBackward(AvgPool(g), new TensorDesc(g.N, g.C, g.OutH, g.OutW), Ptr(dy), Ptr(dy),
            new TensorDesc(g.N, g.C, g.H, g.W), Ptr(x), Ptr(dx));
    }

    private static PoolDesc AvgPool(in PoolGeometry g) =>
        new(PoolMode.AverageCountIncludePadding, g.Kernel, g.Kernel, g.Pad, g.Pad, g.Stride, g.Stride);}
