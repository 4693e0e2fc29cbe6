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
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc)
    {
        if (m == 0 || n == 0) return;
        _runtime.Sgemm(Op(transB), Op(transA), n, m, k, alpha, Ptr(b), ldb, Ptr(a), lda, beta, Ptr(c), ldc);
    }

    public void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        float beta, BufferSlice c, int ldc, long strideC, int batch)
    {
        if (m == 0 || n == 0 || batch == 0) return;
        _runtime.SgemmStridedBatched(Op(transB), Op(transA), n, m, k, alpha, Ptr(b), ldb, strideB, Ptr(a), lda, strideA,
            beta, Ptr(c), ldc, strideC, batch);
    }

    private static BlasOp Op(bool transpose) => transpose ? BlasOp.T : BlasOp.N;

    public void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y)
    {
        CheckConv(nameof(Conv2dForward), g, x, "x", w, "w", y, "y");
        if (bias is not null) Require(nameof(Conv2dForward), "bias", bias, g.K, g);
        var (xd, wd, cd, yd) = Descriptors(g);
        _runtime.ConvolutionForward(xd, Ptr(x), wd, Ptr(w), cd, yd, Ptr(y));
        if (bias is not null) AddBias(g.N, g.K, g.OutH * g.OutW, y, bias);
    }

    public void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        CheckConv(nameof(Conv2dBackwardData), g, dx, "dx", w, "w", dy, "dy");
        var (xd, wd, cd, yd) = Descriptors(g);
        _runtime.ConvolutionBackwardData(wd, Ptr(w), yd, Ptr(dy), cd, xd, Ptr(dx));
    }

    public void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckConv(nameof(Conv2dBackwardFilter), g, x, "x", dw, "dw", dy, "dy");
        var (xd, wd, cd, yd) = Descriptors(g);
        _runtime.ConvolutionBackwardFilter(xd, Ptr(x), yd, Ptr(dy), cd, wd, Ptr(dw));
    }

    private static (TensorDesc X, FilterDesc W, ConvDesc Conv, TensorDesc Y) Descriptors(in ConvGeometry g) =>
        (new TensorDesc(g.N, g.C, g.H, g.W), new FilterDesc(g.K, g.C, g.R, g.S),
         new ConvDesc(g.PadH, g.PadW, g.StrideH, g.StrideW), new TensorDesc(g.N, g.K, g.OutH, g.OutW));

    private static void CheckConv(string op, in ConvGeometry g, DeviceBuffer x, string xName, DeviceBuffer w, string wName, DeviceBuffer y, string yName)
    {
        g.Validate();
        Require(op, xName, x, Count(op, g, g.N, g.C, g.H, g.W), g);
        Require(op, wName, w, Count(op, g, g.K, g.C, g.R, g.S), g);
        Require(op, yName, y, Count(op, g, g.N, g.K, g.OutH, g.OutW), g);
    }

    // cuDNN's factor is PyTorch's momentum: running = (1 − f)·running + f·batch, and cuDNN also
    // keeps the unbiased variance in the running estimate and saves 1/sqrt(biased var + ε).
    public void BatchNormForwardTraining(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd)
    {
        const string op = nameof(BatchNormForwardTraining);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        if ((long)n * hw < 2) throw new BackendException($"{op}: training-mode batch-norm needs more than one value per channel ({at}).");
        Require(op, "x", x, size, at);
        Require(op, "y", y, size, at);
        foreach (var (b, name) in new[] { (gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"), (runningVar, "runningVar"), (saveMean, "saveMean"), (saveInvStd, "saveInvStd") })
        {
            Require(op, name, b, c, at);
        }
        _runtime.BatchNormForwardTraining(new TensorDesc(n, c, 1, hw), Ptr(x), Ptr(y), Ptr(gamma), Ptr(beta), momentum,
            Ptr(runningMean), Ptr(runningVar), eps, Ptr(saveMean), Ptr(saveInvStd));
    }

    public void BatchNormForwardInference(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y)
    {
        const string op = nameof(BatchNormForwardInference);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        Require(op, "x", x, size, at);
        Require(op, "y", y, size, at);
        foreach (var (b, name) in new[] { (gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"), (runningVar, "runningVar") })
        {
            Require(op, name, b, c, at);
        }
        _runtime.BatchNormForwardInference(new TensorDesc(n, c, 1, hw), Ptr(x), Ptr(y), Ptr(gamma), Ptr(beta), Ptr(runningMean), Ptr(runningVar), eps);
    }

    public void BatchNormBackward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        const string op = nameof(BatchNormBackward);
        var at = new PlaneGeometry(n, c, hw);
        long size = Count(op, at, n, c, hw);
        Require(op, "x", x, size, at);
        Require(op, "dy", dy, size, at);
        Require(op, "dx", dx, size, at);
        foreach (var (b, name) in new[] { (gamma, "gamma"), (saveMean, "saveMean"), (saveInvStd, "saveInvStd"), (dgamma, "dgamma"), (dbeta, "dbeta") })
        {
            Require(op, name, b, c, at);
        }
        // ε only matters when the saved statistics are absent; they are always given here.
        _runtime.BatchNormBackward(new TensorDesc(n, c, 1, hw), Ptr(x), Ptr(dy), Ptr(dx), Ptr(gamma), Ptr(dgamma), Ptr(dbeta),
            1e-5, Ptr(saveMean), Ptr(saveInvStd));
    }

    public void MaxPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax)
    {
        const string op = nameof(MaxPool2dForward);
        CheckPool(op, g, x, "x", y, "y");
        Require(op, "argmax", argmax, (long)g.N * g.C * g.OutH * g.OutW, g, DType.Int32);
        ulong px = Ptr(x), py = Ptr(y), pa = Ptr(argmax);
        int planes = g.N * g.C, h = g.H, w = g.W, oh = g.OutH, ow = g.OutW, k = g.Kernel, s = g.Stride, p = g.Pad;
        void** args = stackalloc void*[] { &px, &py, &pa, &planes, &h, &w, &oh, &ow, &k, &s, &p };
        Launch("maxpool_forward_f32", (long)planes * oh * ow, args);
    }

    public void MaxPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx)
    {
        const string op = nameof(MaxPool2dBackward);
        CheckPool(op, g, dx, "dx", dy, "dy");
        Require(op, "argmax", argmax, (long)g.N * g.C * g.OutH * g.OutW, g, DType.Int32);
        ulong pdy = Ptr(dy), pa = Ptr(argmax), pdx = Ptr(dx), err = _errorFlag.Pointer;
        int planes = g.N * g.C, h = g.H, w = g.W, oh = g.OutH, ow = g.OutW, k = g.Kernel, s = g.Stride, p = g.Pad;
        void** args = stackalloc void*[] { &pdy, &pa, &pdx, &err, &planes, &h, &w, &oh, &ow, &k, &s, &p };
        Launch("maxpool_backward_f32", (long)planes * h * w, args);
        // The contract reports a corrupt argmax from this call, so wait for the flag here.
        Synchronize();
    }

    public void AvgPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        CheckPool(nameof(AvgPool2dForward), g, x, "x", y, "y");
        _runtime.PoolingForward(AvgPool(g), new TensorDesc(g.N, g.C, g.H, g.W), Ptr(x), new TensorDesc(g.N, g.C, g.OutH, g.OutW), Ptr(y));
    }

    public void AvgPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        CheckPool(nameof(AvgPool2dBackward), g, dx, "dx", dy, "dy");
        // Average pooling's gradient reads neither y nor x; cuDNN still takes them, so dy and dx
        // stand in (same shapes, valid device memory).
        _runtime.PoolingBackward(AvgPool(g), new TensorDesc(g.N, g.C, g.OutH, g.OutW), Ptr(dy), Ptr(dy),
            new TensorDesc(g.N, g.C, g.H, g.W), Ptr(dx), Ptr(dx));
    }

    private static PoolDesc AvgPool(in PoolGeometry g) =>
        new(PoolMode.AverageCountIncludePadding, g.Kernel, g.Kernel, g.Pad, g.Pad, g.Stride, g.Stride);

    private static void CheckPool(string op, in PoolGeometry g, DeviceBuffer input, string inputName, DeviceBuffer output, string outputName)
    {
        g.Validate();
        Require(op, inputName, input, Count(op, g, g.N, g.C, g.H, g.W), g);
        Require(op, outputName, output, Count(op, g, g.N, g.C, g.OutH, g.OutW), g);
    }
}
