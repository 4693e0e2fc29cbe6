using AutoLoRa.Cuda.Interop;

namespace AutoLoRa.Cuda.Runtime;

/// <summary>
/// cuBLAS and cuDNN on the runtime's stream. Descriptors are created once per shape and kept;
/// convolution algorithms come from the _v7 heuristics (no benchmarking run, so no hidden device
/// work), chosen under a workspace limit, and are cached per (x, w, conv) with their workspace
/// size; one workspace block grows to the largest size needed (stream order makes the reuse safe).
/// </summary>
public sealed unsafe partial class NativeRuntime
{
    private readonly Dictionary<TensorDesc, NativeHandle> _tensors = [];
    private readonly Dictionary<FilterDesc, NativeHandle> _filters = [];
    private readonly Dictionary<ConvDesc, NativeHandle> _convs = [];
    private readonly Dictionary<PoolDesc, NativeHandle> _pools = [];
    private readonly Dictionary<int, NativeHandle> _bnParams = [];
    private readonly Dictionary<(TensorDesc, FilterDesc, ConvDesc, int Pass), (int Algo, nuint Workspace)> _algorithms = [];
    private ulong _workspace;
    private nuint _workspaceBytes;

    /// <inheritdoc/>
    public void Sgemm(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, ulong b, int ldb,
        float beta, ulong c, int ldc)
    {
        MakeCurrent();
        Check.CuBlas(CuBlas.cublasSgemm(_cublas.Value, (cublasOperation_t)transA, (cublasOperation_t)transB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc));
    }

    /// <inheritdoc/>
    public void SgemmStridedBatched(BlasOp transA, BlasOp transB, int m, int n, int k, float alpha, ulong a, int lda, long strideA,
        ulong b, int ldb, long strideB, float beta, ulong c, int ldc, long strideC, int batch)
    {
        MakeCurrent();
        Check.CuBlas(CuBlas.cublasSgemmStridedBatched(_cublas.Value, (cublasOperation_t)transA, (cublasOperation_t)transB, m, n, k,
            &alpha, a, lda, strideA, b, ldb, strideB, &beta, c, ldc, strideC, batch));
    }

    /// <inheritdoc/>
    public void ConvolutionForward(in TensorDesc xDesc, ulong x, in FilterDesc wDesc, ulong w, in ConvDesc conv, in TensorDesc yDesc, ulong y)
    {
        MakeCurrent();
        nint xd = Tensor(xDesc), wd = Filter(wDesc), cd = Conv(conv), yd = Tensor(yDesc);
        var (algo, bytes) = Algorithm(xDesc, wDesc, conv, 0, xd, wd, cd, yd);
        float alpha = 1, beta = 0;
        Check.CuDnn(CuDnn.cudnnConvolutionForward(_cudnn.Value, &alpha, xd, x, wd, w, cd, (cudnnConvolutionFwdAlgo_t)algo,
            Workspace(bytes), bytes, &beta, yd, y), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void ConvolutionBackwardData(in FilterDesc wDesc, ulong w, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in TensorDesc dxDesc, ulong dx)
    {
        MakeCurrent();
        nint xd = Tensor(dxDesc), wd = Filter(wDesc), cd = Conv(conv), yd = Tensor(dyDesc);
        var (algo, bytes) = Algorithm(dxDesc, wDesc, conv, 1, xd, wd, cd, yd);
        float alpha = 1, beta = 0;
        Check.CuDnn(CuDnn.cudnnConvolutionBackwardData(_cudnn.Value, &alpha, wd, w, yd, dy, cd, (cudnnConvolutionBwdDataAlgo_t)algo,
            Workspace(bytes), bytes, &beta, xd, dx), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void ConvolutionBackwardFilter(in TensorDesc xDesc, ulong x, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in FilterDesc dwDesc, ulong dw)
    {
        MakeCurrent();
        nint xd = Tensor(xDesc), wd = Filter(dwDesc), cd = Conv(conv), yd = Tensor(dyDesc);
        var (algo, bytes) = Algorithm(xDesc, dwDesc, conv, 2, xd, wd, cd, yd);
        float alpha = 1, beta = 0;
        Check.CuDnn(CuDnn.cudnnConvolutionBackwardFilter(_cudnn.Value, &alpha, xd, x, yd, dy, cd, (cudnnConvolutionBwdFilterAlgo_t)algo,
            Workspace(bytes), bytes, &beta, wd, dw), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void BatchNormForwardTraining(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias, double exponentialAverageFactor,
        ulong runningMean, ulong runningVariance, double epsilon, ulong saveMean, ulong saveInvVariance)
    {
        MakeCurrent();
        nint xd = Tensor(xDesc);
        float alpha = 1, beta = 0;
        Check.CuDnn(CuDnn.cudnnBatchNormalizationForwardTraining(_cudnn.Value, cudnnBatchNormMode_t.Spatial, &alpha, &beta, xd, x, xd, y,
            BnParams(xDesc.C, xd), scale, bias, exponentialAverageFactor, runningMean, runningVariance, epsilon, saveMean, saveInvVariance), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void BatchNormForwardInference(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias,
        ulong estimatedMean, ulong estimatedVariance, double epsilon)
    {
        MakeCurrent();
        nint xd = Tensor(xDesc);
        float alpha = 1, beta = 0;
        Check.CuDnn(CuDnn.cudnnBatchNormalizationForwardInference(_cudnn.Value, cudnnBatchNormMode_t.Spatial, &alpha, &beta, xd, x, xd, y,
            BnParams(xDesc.C, xd), scale, bias, estimatedMean, estimatedVariance, epsilon), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void BatchNormBackward(in TensorDesc xDesc, ulong x, ulong dy, ulong dx, ulong scale, ulong dScale, ulong dBias,
        double epsilon, ulong savedMean, ulong savedInvVariance)
    {
        MakeCurrent();
        nint xd = Tensor(xDesc);
        float one = 1, zero = 0;
        Check.CuDnn(CuDnn.cudnnBatchNormalizationBackward(_cudnn.Value, cudnnBatchNormMode_t.Spatial, &one, &zero, &one, &zero,
            xd, x, xd, dy, xd, dx, BnParams(xDesc.C, xd), scale, dScale, dBias, epsilon, savedMean, savedInvVariance), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void PoolingForward(in PoolDesc pool, in TensorDesc xDesc, ulong x, in TensorDesc yDesc, ulong y)
    {
        MakeCurrent();
        float alpha = 1, beta = 0;
        Check.CuDnn(CuDnn.cudnnPoolingForward(_cudnn.Value, Pool(pool), &alpha, Tensor(xDesc), x, &beta, Tensor(yDesc), y), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void PoolingBackward(in PoolDesc pool, in TensorDesc yDesc, ulong y, ulong dy, in TensorDesc xDesc, ulong x, ulong dx)
    {
        MakeCurrent();
        float alpha = 1, beta = 0;
        nint yd = Tensor(yDesc), xd = Tensor(xDesc);
        Check.CuDnn(CuDnn.cudnnPoolingBackward(_cudnn.Value, Pool(pool), &alpha, yd, y, yd, dy, xd, x, &beta, xd, dx), CuDnnMajor);
    }

    private nint Tensor(TensorDesc d)
    {
        if (_tensors.TryGetValue(d, out var cached)) return cached.Value;
        nint h;
        Check.CuDnn(CuDnn.cudnnCreateTensorDescriptor(&h), CuDnnMajor);
        var handle = new NativeHandle(h, CuDnn.cudnnDestroyTensorDescriptor);
        Check.CuDnn(CuDnn.cudnnSetTensor4dDescriptor(h, cudnnTensorFormat_t.Nchw, cudnnDataType_t.Float, d.N, d.C, d.H, d.W), CuDnnMajor);
        _tensors[d] = handle;
        return h;
    }

    private nint Filter(FilterDesc d)
    {
        if (_filters.TryGetValue(d, out var cached)) return cached.Value;
        nint h;
        Check.CuDnn(CuDnn.cudnnCreateFilterDescriptor(&h), CuDnnMajor);
        var handle = new NativeHandle(h, CuDnn.cudnnDestroyFilterDescriptor);
        Check.CuDnn(CuDnn.cudnnSetFilter4dDescriptor(h, cudnnDataType_t.Float, cudnnTensorFormat_t.Nchw, d.K, d.C, d.R, d.S), CuDnnMajor);
        _filters[d] = handle;
        return h;
    }

    private nint Conv(ConvDesc d)
    {
        if (_convs.TryGetValue(d, out var cached)) return cached.Value;
        nint h;
        Check.CuDnn(CuDnn.cudnnCreateConvolutionDescriptor(&h), CuDnnMajor);
        var handle = new NativeHandle(h, CuDnn.cudnnDestroyConvolutionDescriptor);
        Check.CuDnn(CuDnn.cudnnSetConvolution2dDescriptor(h, d.PadH, d.PadW, d.StrideH, d.StrideW, d.DilationH, d.DilationW,
            cudnnConvolutionMode_t.CrossCorrelation, cudnnDataType_t.Float), CuDnnMajor);
        // FP32 math (no TF32 tensor ops), to stay within float tolerance of the CPU backend.
        Check.CuDnn(CuDnn.cudnnSetConvolutionMathType(h, cudnnMathType_t.Fma), CuDnnMajor);
        _convs[d] = handle;
        return h;
    }

    private nint Pool(PoolDesc d)
    {
        if (_pools.TryGetValue(d, out var cached)) return cached.Value;
        nint h;
        Check.CuDnn(CuDnn.cudnnCreatePoolingDescriptor(&h), CuDnnMajor);
        var handle = new NativeHandle(h, CuDnn.cudnnDestroyPoolingDescriptor);
        Check.CuDnn(CuDnn.cudnnSetPooling2dDescriptor(h, (cudnnPoolingMode_t)d.Mode, cudnnNanPropagation_t.PropagateNan,
            d.WindowH, d.WindowW, d.PadH, d.PadW, d.StrideH, d.StrideW), CuDnnMajor);
        _pools[d] = handle;
        return h;
    }

    private nint BnParams(int channels, nint xDesc)
    {
        if (_bnParams.TryGetValue(channels, out var cached)) return cached.Value;
        nint h;
        Check.CuDnn(CuDnn.cudnnCreateTensorDescriptor(&h), CuDnnMajor);
        var handle = new NativeHandle(h, CuDnn.cudnnDestroyTensorDescriptor);
        Check.CuDnn(CuDnn.cudnnDeriveBNTensorDescriptor(h, xDesc, cudnnBatchNormMode_t.Spatial), CuDnnMajor);
        _bnParams[channels] = handle;
        return h;
    }

    /// <summary>
    /// The convolution algorithm for a shape, cached with its workspace size. Pass 0 fwd, 1 bwd-data,
    /// 2 bwd-filter. The heuristics rank by speed alone, and the fastest (FFT) can ask for more
    /// workspace than the device has; so the choice is the best-ranked successful algorithm whose
    /// workspace is at most half the free device memory and can actually be allocated, falling back
    /// down the ranking (a zero-workspace algorithm ends every ranking we have seen).
    /// </summary>
    private (int Algo, nuint Workspace) Algorithm(TensorDesc x, FilterDesc w, ConvDesc conv, int pass, nint xd, nint wd, nint cd, nint yd)
    {
        var key = (x, w, conv, pass);
        if (_algorithms.TryGetValue(key, out var known)) return known;
        var candidates = RankedAlgorithms(pass, xd, wd, cd, yd);
        nuint free, total;
        Check.Driver(CudaDriver.cuMemGetInfo(&free, &total));
        nuint limit = Math.Max(free / 2, _workspaceBytes);
        foreach (var (algo, bytes) in candidates)
        {
            if (bytes > limit) continue;
            try
            {
                Workspace(bytes);
            }
            catch (CudaException e) when (e.Status == OutOfMemory)
            {
                continue;
            }
            return _algorithms[key] = (algo, bytes);
        }
        string offered = string.Join(", ", candidates.Select(c => $"algo {c.Algo}: {c.Workspace} bytes"));
        throw new CudaException("cudnn", "cudnnGetConvolution*Algorithm_v7", 0, "no algorithm",
            $"no algorithm for pass {pass} fits a workspace of {limit} bytes (half the free device memory), x={x} w={w} conv={conv}; offered: {offered}");
    }

    private const int OutOfMemory = 2; // CUDA_ERROR_OUT_OF_MEMORY

    /// <summary>The heuristic's algorithms that report success, best first, each with its workspace size.</summary>
    private List<(int Algo, nuint Workspace)> RankedAlgorithms(int pass, nint xd, nint wd, nint cd, nint yd)
    {
        const int requested = 8;
        int returned = 0;
        var ranked = new List<(int, nuint)>();
        nint h = _cudnn.Value;
        nuint bytes = 0;
        switch (pass)
        {
            case 0:
                var fwd = stackalloc cudnnConvolutionFwdAlgoPerf_t[requested];
                Check.CuDnn(CuDnn.cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, cd, yd, requested, &returned, fwd), CuDnnMajor);
                for (int i = 0; i < returned; i++)
                {
                    if (fwd[i].Status != 0) continue;
                    Check.CuDnn(CuDnn.cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, fwd[i].Algo, &bytes), CuDnnMajor);
                    ranked.Add(((int)fwd[i].Algo, bytes));
                }
                break;
            case 1:
                var bwd = stackalloc cudnnConvolutionBwdDataAlgoPerf_t[requested];
                Check.CuDnn(CuDnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd, yd, cd, xd, requested, &returned, bwd), CuDnnMajor);
                for (int i = 0; i < returned; i++)
                {
                    if (bwd[i].Status != 0) continue;
                    Check.CuDnn(CuDnn.cudnnGetConvolutionBackwardDataWorkspaceSize(h, wd, yd, cd, xd, bwd[i].Algo, &bytes), CuDnnMajor);
                    ranked.Add(((int)bwd[i].Algo, bytes));
                }
                break;
            default:
                var flt = stackalloc cudnnConvolutionBwdFilterAlgoPerf_t[requested];
                Check.CuDnn(CuDnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd, yd, cd, wd, requested, &returned, flt), CuDnnMajor);
                for (int i = 0; i < returned; i++)
                {
                    if (flt[i].Status != 0) continue;
                    Check.CuDnn(CuDnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(h, xd, yd, cd, wd, flt[i].Algo, &bytes), CuDnnMajor);
                    ranked.Add(((int)flt[i].Algo, bytes));
                }
                break;
        }
        return ranked;
    }

    private ulong Workspace(nuint bytes)
    {
        if (bytes == 0) return 0;
        if (bytes > _workspaceBytes)
        {
            // Forget the old block before allocating: a failed allocation must not leave a freed pointer behind.
            if (_workspace != 0) Free(_workspace);
            _workspace = 0;
            _workspaceBytes = 0;
            _workspace = Allocate(bytes);
            _workspaceBytes = bytes;
        }
        return _workspace;
    }

    private void DisposeDescriptors()
    {
        foreach (var h in _tensors.Values.Concat(_filters.Values).Concat(_convs.Values).Concat(_pools.Values).Concat(_bnParams.Values)) h.Dispose();
        if (_workspace != 0) CudaDriver.cuMemFree(_workspace);
    }
}
