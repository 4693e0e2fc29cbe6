using System.Runtime.CompilerServices;
using AutoLoRa.Core.Backends;
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

    /// <summary>
    /// Convolutions only by algorithms cuDNN reports as deterministic (cudnnDeterminism_t in the
    /// heuristic's results): the same inputs then give the same bits on the same GPU and library, as
    /// the CPU backend's runs do everywhere. Off by default, as in PyTorch
    /// (torch.backends.cudnn.deterministic): some backward algorithms accumulate with atomics, whose
    /// order varies from run to run.
    /// </summary>
    public bool DeterministicConvolutions { get; init; }

    /// <summary>The algorithm chosen for each convolution shape and pass so far (0 forward, 1 data, 2 filter gradient).</summary>
    public IReadOnlyCollection<(int Pass, int Algorithm)> ChosenConvolutionAlgorithms =>
        [.. _algorithms.Select(a => (a.Key.Pass, a.Value.Algo))];
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
        var c = PrepareConvolution(xDesc, wDesc, conv, yDesc, pass: 0);
        Check.CuDnn(CuDnn.cudnnConvolutionForward(_cudnn.Value, &c.Alpha, c.X, x, c.W, w, c.Conv,
            (cudnnConvolutionFwdAlgo_t)c.Algorithm, c.Workspace, c.WorkspaceBytes, &c.Beta, c.Y, y), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void ConvolutionBackwardData(in FilterDesc wDesc, ulong w, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in TensorDesc dxDesc, ulong dx)
    {
        var c = PrepareConvolution(dxDesc, wDesc, conv, dyDesc, pass: 1);
        Check.CuDnn(CuDnn.cudnnConvolutionBackwardData(_cudnn.Value, &c.Alpha, c.W, w, c.Y, dy, c.Conv,
            (cudnnConvolutionBwdDataAlgo_t)c.Algorithm, c.Workspace, c.WorkspaceBytes, &c.Beta, c.X, dx), CuDnnMajor);
    }

    /// <inheritdoc/>
    public void ConvolutionBackwardFilter(in TensorDesc xDesc, ulong x, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in FilterDesc dwDesc, ulong dw)
    {
        var c = PrepareConvolution(xDesc, dwDesc, conv, dyDesc, pass: 2);
        Check.CuDnn(CuDnn.cudnnConvolutionBackwardFilter(_cudnn.Value, &c.Alpha, c.X, x, c.Y, dy, c.Conv,
            (cudnnConvolutionBwdFilterAlgo_t)c.Algorithm, c.Workspace, c.WorkspaceBytes, &c.Beta, c.W, dw), CuDnnMajor);
    }

    /// <summary>What a convolution call needs, in any direction: x, w, y descriptors, the algorithm and its workspace, α = 1 and β = 0 (overwrite).</summary>
    private struct ConvolutionCall
    {
        public nint X, W, Conv, Y;
        public int Algorithm;
        public ulong Workspace;
        public nuint WorkspaceBytes;
        public float Alpha, Beta;
    }

    /// <summary>Makes the context current and gathers a <see cref="ConvolutionCall"/> (pass 0 forward, 1 data gradient, 2 filter gradient).</summary>
    private ConvolutionCall PrepareConvolution(in TensorDesc xDesc, in FilterDesc wDesc, in ConvDesc conv, in TensorDesc yDesc, int pass)
    {
        MakeCurrent();
        var c = new ConvolutionCall { X = Tensor(xDesc), W = Filter(wDesc), Conv = Conv(conv), Y = Tensor(yDesc), Alpha = 1, Beta = 0 };
        (c.Algorithm, c.WorkspaceBytes) = Algorithm(xDesc, wDesc, conv, pass, c.X, c.W, c.Conv, c.Y);
        c.Workspace = Workspace(c.WorkspaceBytes);
        return c;
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

    private nint Tensor(TensorDesc d) =>
        Descriptor(_tensors, d, &CuDnn.cudnnCreateTensorDescriptor, CuDnn.cudnnDestroyTensorDescriptor, static (h, d) =>
            CuDnn.cudnnSetTensor4dDescriptor(h, cudnnTensorFormat_t.Nchw, cudnnDataType_t.Float, d.N, d.C, d.H, d.W));

    private nint Filter(FilterDesc d) =>
        Descriptor(_filters, d, &CuDnn.cudnnCreateFilterDescriptor, CuDnn.cudnnDestroyFilterDescriptor, static (h, d) =>
            CuDnn.cudnnSetFilter4dDescriptor(h, cudnnDataType_t.Float, cudnnTensorFormat_t.Nchw, d.K, d.C, d.R, d.S));

    private nint Conv(ConvDesc d)
    {
        // cudnnMathType_t: FMA_MATH keeps FP32 data on FP32 FMA kernels; DEFAULT_MATH lets cuDNN run
        // FP32 convolutions on TF32 tensor cores from Ampere on, which is what PyTorch does with
        // torch.backends.cudnn.allow_tf32 (its default) and FMA_MATH without it.
        var math = Precision == MatrixPrecision.Tf32 ? cudnnMathType_t.Default : cudnnMathType_t.Fma;
        return Descriptor(_convs, d, &CuDnn.cudnnCreateConvolutionDescriptor, CuDnn.cudnnDestroyConvolutionDescriptor, (h, d) =>
        {
            int status = CuDnn.cudnnSetConvolution2dDescriptor(h, d.PadH, d.PadW, d.StrideH, d.StrideW, d.DilationH, d.DilationW,
                cudnnConvolutionMode_t.CrossCorrelation, cudnnDataType_t.Float);
            return status != 0 ? status : CuDnn.cudnnSetConvolutionMathType(h, math);
        });
    }

    private nint Pool(PoolDesc d) =>
        Descriptor(_pools, d, &CuDnn.cudnnCreatePoolingDescriptor, CuDnn.cudnnDestroyPoolingDescriptor, static (h, d) =>
            CuDnn.cudnnSetPooling2dDescriptor(h, (cudnnPoolingMode_t)d.Mode, cudnnNanPropagation_t.PropagateNan,
                d.WindowH, d.WindowW, d.PadH, d.PadW, d.StrideH, d.StrideW));

    // Keyed by channel count: every x with C channels derives the same 1×C×1×1 descriptor.
    private nint BnParams(int channels, nint xDesc) =>
        Descriptor(_bnParams, channels, &CuDnn.cudnnCreateTensorDescriptor, CuDnn.cudnnDestroyTensorDescriptor, (h, _) =>
            CuDnn.cudnnDeriveBNTensorDescriptor(h, xDesc, cudnnBatchNormMode_t.Spatial));

    /// <summary>
    /// The cuDNN descriptor for <paramref name="key"/>: created and set on first use, then cached for
    /// the runtime's life (released with it). <paramref name="set"/> returns the cuDNN status of
    /// setting it up.
    /// </summary>
    private nint Descriptor<TKey>(Dictionary<TKey, NativeHandle> cache, TKey key, delegate*<nint*, int> create,
        Func<nint, int> destroy, Func<nint, TKey, int> set) where TKey : notnull
    {
        if (cache.TryGetValue(key, out var cached)) return cached.Value;
        nint h;
        Check.CuDnn(create(&h), CuDnnMajor);
        var handle = new NativeHandle(h, destroy);
        Check.CuDnn(set(h, key), CuDnnMajor);
        cache[key] = handle;
        return h;
    }

    /// <summary>
    /// The convolution algorithm for a shape, cached with its workspace size. Pass 0 fwd, 1 bwd-data,
    /// 2 bwd-filter. The heuristics rank by speed alone, and the fastest (FFT) can ask for more
    /// workspace than the device has; so the choice is the best-ranked successful algorithm whose
    /// workspace is at most half the free device memory and can actually be allocated, falling back
    /// down the ranking (a zero-workspace algorithm ends every ranking we have seen). With
    /// <see cref="DeterministicConvolutions"/>, only algorithms cuDNN reports as deterministic count.
    /// </summary>
    private (int Algo, nuint Workspace) Algorithm(TensorDesc x, FilterDesc w, ConvDesc conv, int pass, nint xd, nint wd, nint cd, nint yd)
    {
        var key = (x, w, conv, pass);
        if (_algorithms.TryGetValue(key, out var known)) return known;
        var candidates = RankedAlgorithms(pass, xd, wd, cd, yd);
        nuint free, total;
        Check.Driver(CudaDriver.cuMemGetInfo(&free, &total));
        nuint limit = Math.Max(free / 2, _workspaceBytes);
        foreach (var (algo, bytes, deterministic) in candidates)
        {
            if (bytes > limit || (DeterministicConvolutions && !deterministic)) continue;
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
        string offered = string.Join(", ", candidates.Select(c => $"algo {c.Algo}: {c.Workspace} bytes{(c.Deterministic ? "" : ", non-deterministic")}"));
        string which = DeterministicConvolutions ? "deterministic algorithm" : "algorithm";
        throw new CudaException("cudnn", "cudnnGetConvolution*Algorithm_v7", 0, "no algorithm",
            $"no {which} for pass {pass} fits a workspace of {limit} bytes (half the free device memory), x={x} w={w} conv={conv}; offered: {offered}");
    }

    private const int OutOfMemory = 2; // CUDA_ERROR_OUT_OF_MEMORY

    /// <summary>The heuristic's algorithms that report success, best first, each with its workspace size.</summary>
    private List<(int Algo, nuint Workspace, bool Deterministic)> RankedAlgorithms(int pass, nint xd, nint wd, nint cd, nint yd) => pass switch
    {
        0 => Ranked<cudnnConvolutionFwdAlgo_t>(&CuDnn.cudnnGetConvolutionForwardAlgorithm_v7, &CuDnn.cudnnGetConvolutionForwardWorkspaceSize, xd, wd, cd, yd),
        // The data gradient's calls take the filter descriptor first.
        1 => Ranked<cudnnConvolutionBwdDataAlgo_t>(&CuDnn.cudnnGetConvolutionBackwardDataAlgorithm_v7, &CuDnn.cudnnGetConvolutionBackwardDataWorkspaceSize, wd, yd, cd, xd),
        _ => Ranked<cudnnConvolutionBwdFilterAlgo_t>(&CuDnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7, &CuDnn.cudnnGetConvolutionBackwardFilterWorkspaceSize, xd, yd, cd, wd),
    };

    /// <summary>
    /// One direction's heuristic ranking (its _v7 call) and each successful algorithm's workspace size
    /// (its GetWorkspaceSize call); the two calls take the same four descriptors in the same order.
    /// </summary>
    private List<(int Algo, nuint Workspace, bool Deterministic)> Ranked<TAlgo>(
        delegate*<nint, nint, nint, nint, nint, int, int*, cudnnConvolutionAlgoPerf_t<TAlgo>*, int> heuristic,
        delegate*<nint, nint, nint, nint, nint, TAlgo, nuint*, int> workspaceSize, nint a, nint b, nint c, nint d)
        where TAlgo : unmanaged, Enum
    {
        const int requested = 8;
        int returned = 0;
        var perf = stackalloc cudnnConvolutionAlgoPerf_t<TAlgo>[requested];
        Check.CuDnn(heuristic(_cudnn.Value, a, b, c, d, requested, &returned, perf), CuDnnMajor);
        var ranked = new List<(int, nuint, bool)>();
        for (int i = 0; i < returned; i++)
        {
            if (perf[i].Status != 0) continue;
            nuint bytes = 0;
            Check.CuDnn(workspaceSize(_cudnn.Value, a, b, c, d, perf[i].Algo, &bytes), CuDnnMajor);
            ranked.Add((Unsafe.BitCast<TAlgo, int>(perf[i].Algo), bytes, perf[i].Determinism == cudnnDeterminism_t.Deterministic));
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
