using AutoLoRa.Cuda.Interop;

namespace AutoLoRa.Cuda.StandIn.Tests;

/// <summary>The cuBLAS and cuDNN stand-ins check their arguments as documented and keep the libraries' numerics contracts.</summary>
[Trait("Backend", "cuda-standin")]
[Collection(StandInStateCollection.Name)]
public sealed unsafe class LibraryStrictnessTests
{
    // cublasStatus_t (facts §4.3) and cuDNN 9's cudnnStatus_t (facts §5.2).
    private const int BlasNotInitialized = 1, BlasInvalidValue = 7, DnnBadParam = 2000;

    private static ulong Upload(float[] values)
    {
        ulong device;
        Assert.Equal(0, CudaDriver.cuMemAlloc(&device, (nuint)(values.Length * 4)));
        fixed (float* p = values) Assert.Equal(0, CudaDriver.cuMemcpyHtoD(device, p, (nuint)(values.Length * 4)));
        return device;
    }

    private static float[] Download(ulong device, int count)
    {
        var values = new float[count];
        fixed (float* p = values) Assert.Equal(0, CudaDriver.cuMemcpyDtoH(p, device, (nuint)(count * 4)));
        return values;
    }

    [SkippableStandInFact]
    public void Sgemm_checks_leading_dimensions_and_handles_and_never_reads_c_when_beta_is_zero()
    {
        StandInMachine.MakeContextCurrent();
        nint blas;
        Assert.Equal(0, CuBlas.cublasCreate(&blas));
        ulong a = Upload([1, 2, 3, 4]), b = Upload([1, 0, 0, 1]), c;
        Assert.Equal(0, CudaDriver.cuMemAlloc(&c, 16)); // fresh: NaN
        float one = 1, zero = 0;
        Assert.Equal(BlasInvalidValue, CuBlas.cublasSgemm(blas, cublasOperation_t.N, cublasOperation_t.N, 2, 2, 2, &one, a, 1, b, 2, &zero, c, 2));
        Assert.Equal(0, CuBlas.cublasSgemm(blas, cublasOperation_t.N, cublasOperation_t.N, 2, 2, 2, &one, a, 2, b, 2, &zero, c, 2));
        Assert.Equal([1f, 2, 3, 4], Download(c, 4)); // A·I; the NaN in C was not read
        Assert.Equal(0, CuBlas.cublasDestroy(blas));
        Assert.Equal(BlasNotInitialized, CuBlas.cublasSgemm(blas, cublasOperation_t.N, cublasOperation_t.N, 2, 2, 2, &one, a, 2, b, 2, &zero, c, 2));
        foreach (var p in new[] { a, b, c }) CudaDriver.cuMemFree(p);
    }

    [SkippableStandInFact]
    public void Tf32_math_rounds_the_inputs_and_pedantic_math_does_not()
    {
        StandInMachine.MakeContextCurrent();
        nint blas;
        Assert.Equal(0, CuBlas.cublasCreate(&blas));
        float fine = 1 + MathF.Pow(2, -20); // below TF32's 10 mantissa bits
        ulong a = Upload([fine]), b = Upload([1]), c = Upload([0]);
        Assert.Equal(fine, Product(blas, (cublasMath_t)2, a, b, c)); // CUBLAS_PEDANTIC_MATH
        Assert.Equal(1f, Product(blas, (cublasMath_t)3, a, b, c));   // CUBLAS_TF32_TENSOR_OP_MATH
        CuBlas.cublasDestroy(blas);
        foreach (var p in new[] { a, b, c }) CudaDriver.cuMemFree(p);
    }

    /// <summary>The 1×1×1 product a·b in the given math mode.</summary>
    private static float Product(nint blas, cublasMath_t mode, ulong a, ulong b, ulong c)
    {
        float one = 1, zero = 0;
        Assert.Equal(0, CuBlas.cublasSetMathMode(blas, mode));
        Assert.Equal(0, CuBlas.cublasSgemm(blas, cublasOperation_t.N, cublasOperation_t.N, 1, 1, 1, &one, a, 1, b, 1, &zero, c, 1));
        return Download(c, 1)[0];
    }

    [SkippableStandInFact]
    public void Convolution_heuristics_offer_a_workspace_beyond_the_device_and_execution_checks_the_workspace_given()
    {
        StandInMachine.MakeContextCurrent();
        nint dnn, x, w, conv, y, badY;
        Assert.Equal(0, CuDnn.cudnnCreate(&dnn));
        foreach (var d in new[] { &x, &y, &badY }) Assert.Equal(0, CuDnn.cudnnCreateTensorDescriptor(d));
        Assert.Equal(0, CuDnn.cudnnCreateFilterDescriptor(&w));
        Assert.Equal(0, CuDnn.cudnnCreateConvolutionDescriptor(&conv));
        // NCHW = 0, FLOAT = 0, CROSS_CORRELATION = 1 (facts §5.5); 1×2×5×5 input, 3×2×3×3 filter, padding 1.
        Assert.Equal(0, CuDnn.cudnnSetTensor4dDescriptor(x, 0, 0, 1, 2, 5, 5));
        Assert.Equal(0, CuDnn.cudnnSetFilter4dDescriptor(w, 0, 0, 3, 2, 3, 3));
        Assert.Equal(0, CuDnn.cudnnSetConvolution2dDescriptor(conv, 1, 1, 1, 1, 1, 1, (cudnnConvolutionMode_t)1, 0));
        Assert.Equal(0, CuDnn.cudnnSetTensor4dDescriptor(y, 0, 0, 1, 3, 5, 5));
        Assert.Equal(0, CuDnn.cudnnSetTensor4dDescriptor(badY, 0, 0, 1, 3, 4, 4));
        var perf = stackalloc cudnnConvolutionAlgoPerf_t<cudnnConvolutionFwdAlgo_t>[8];
        int returned;
        Assert.Equal(0, CuDnn.cudnnGetConvolutionForwardAlgorithm_v7(dnn, x, w, conv, y, 8, &returned, perf));
        nuint free, deviceMemory;
        CudaDriver.cuMemGetInfo(&free, &deviceMemory);
        nuint total = deviceMemory;
        var offered = Enumerable.Range(0, returned).Select(i => perf[i]).Where(p => p.Status == 0).ToArray();
        Assert.True(offered[0].Memory > total, "the fastest algorithm asks for more workspace than the device has");
        Assert.Contains(offered, p => p.Memory == 0);
        Assert.Equal(DnnBadParam, CuDnn.cudnnGetConvolutionForwardAlgorithm_v7(dnn, x, w, conv, badY, 8, &returned, perf));

        var needy = offered.First(p => p.Memory > 0 && p.Memory < total);
        ulong dx = Upload(new float[50]), dw = Upload(new float[54]), dy;
        Assert.Equal(0, CudaDriver.cuMemAlloc(&dy, 75 * 4));
        float one = 1, zero = 0;
        Assert.Equal(DnnBadParam, CuDnn.cudnnConvolutionForward(dnn, &one, x, dx, w, dw, conv, needy.Algo, 0, 0, &zero, y, dy));
        Assert.Equal(0, CuDnn.cudnnConvolutionForward(dnn, &one, x, dx, w, dw, conv, offered.First(p => p.Memory == 0).Algo, 0, 0, &zero, y, dy));
        Assert.All(Download(dy, 75), v => Assert.Equal(0f, v));

        foreach (var p in new[] { dx, dw, dy }) CudaDriver.cuMemFree(p);
        foreach (var d in new[] { x, y, badY }) CuDnn.cudnnDestroyTensorDescriptor(d);
        CuDnn.cudnnDestroyFilterDescriptor(w);
        CuDnn.cudnnDestroyConvolutionDescriptor(conv);
        CuDnn.cudnnDestroy(dnn);
    }

    /// <summary>
    /// Issue 16, section 3: average-pool backward passed dx as cuDNN's x and dx at once. cuDNN allows
    /// no aliasing there, so the stand-in refuses it (and the table's average-pool cases through the
    /// stand-ins would fail with the old call); separate buffers give dy spread over each window.
    /// </summary>
    [SkippableStandInFact]
    public void Pooling_backward_refuses_a_dx_that_aliases_x()
    {
        StandInMachine.MakeContextCurrent();
        nint dnn, pool, xd, yd;
        Assert.Equal(0, CuDnn.cudnnCreate(&dnn));
        Assert.Equal(0, CuDnn.cudnnCreatePoolingDescriptor(&pool));
        Assert.Equal(0, CuDnn.cudnnCreateTensorDescriptor(&xd));
        Assert.Equal(0, CuDnn.cudnnCreateTensorDescriptor(&yd));
        // CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING = 1, CUDNN_NOT_PROPAGATE_NAN = 0 (facts §5.5): 2×2 windows, stride 2, 1×1×4×4 → 1×1×2×2.
        Assert.Equal(0, CuDnn.cudnnSetPooling2dDescriptor(pool, (cudnnPoolingMode_t)1, (cudnnNanPropagation_t)0, 2, 2, 0, 0, 2, 2));
        Assert.Equal(0, CuDnn.cudnnSetTensor4dDescriptor(xd, 0, 0, 1, 1, 4, 4));
        Assert.Equal(0, CuDnn.cudnnSetTensor4dDescriptor(yd, 0, 0, 1, 1, 2, 2));
        ulong x = Upload([.. Enumerable.Range(0, 16).Select(i => (float)i)]), y = Upload(new float[4]), dy = Upload([4, 8, 12, 16]), dx = Upload(new float[16]);
        float one = 1, zero = 0;
        Assert.Equal(0, CuDnn.cudnnPoolingForward(dnn, pool, &one, xd, x, &zero, yd, y));
        Assert.Equal(DnnBadParam, CuDnn.cudnnPoolingBackward(dnn, pool, &one, yd, y, yd, dy, xd, x, &zero, xd, x));
        Assert.Equal(0, CuDnn.cudnnPoolingBackward(dnn, pool, &one, yd, y, yd, dy, xd, x, &zero, xd, dx));
        Assert.Equal([1f, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], Download(dx, 16));
        foreach (var p in new[] { x, y, dy, dx }) CudaDriver.cuMemFree(p);
        CuDnn.cudnnDestroyTensorDescriptor(xd);
        CuDnn.cudnnDestroyTensorDescriptor(yd);
        CuDnn.cudnnDestroyPoolingDescriptor(pool);
        CuDnn.cudnnDestroy(dnn);
    }
}
