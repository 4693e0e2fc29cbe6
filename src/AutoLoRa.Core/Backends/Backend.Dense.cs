namespace AutoLoRa.Core.Backends;

/// <summary>Dense linear algebra, convolution, normalisation, pooling and resizing.</summary>
public abstract partial class Backend
{
    // ---- dense linear algebra ----------------------------------------------------------------------------

    /// <summary>
    /// Row-major C = alpha · op(A) · op(B) + beta · C with op(A) of shape m×k and op(B) of shape k×n.
    /// lda/ldb/ldc are row strides of the matrices as stored (before the transpose).
    /// When beta is 0, C's previous contents are ignored (NaN included).
    /// </summary>
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, BufferSlice a, int lda, BufferSlice b,
        int ldb, float beta, BufferSlice c, int ldc)
    {
        PrimitiveChecks.Gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        using var timer = Profile(nameof(Gemm));
        GemmCore(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>This backend's <see cref="Gemm"/>, called once the arguments passed its checks.</summary>
    protected abstract void GemmCore(bool transA, bool transB, int m, int n, int k, float alpha, BufferSlice a,
        int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc);

    /// <summary><see cref="Gemm"/> over <paramref name="batch"/> matrices spaced by the given element strides.</summary>
    public void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, BufferSlice a, int lda,
        long strideA, BufferSlice b, int ldb, long strideB, float beta, BufferSlice c, int ldc, long strideC, int batch)
    {
        PrimitiveChecks.GemmStridedBatched(transA, transB, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batch);
        using var timer = Profile(nameof(GemmStridedBatched));
        GemmStridedBatchedCore(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    /// <summary>This backend's <see cref="GemmStridedBatched"/>, called once the arguments passed its checks.</summary>
    protected abstract void GemmStridedBatchedCore(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB, float beta, BufferSlice c, int ldc,
        long strideC, int batch);

    /// <summary>
    /// A linear layer's forward pass, y = x·Wᵀ + b: x (rows × in), W (out × in), b (out), y
    /// (rows × out), all row-major and whole buffers. It is <see cref="Gemm"/> then
    /// <see cref="AddBias"/>, as one primitive so that a backend can add the bias while each block
    /// of y is still in cache instead of in a second pass over all of y.
    /// </summary>
    public void LinearForward(int rows, int inFeatures, int outFeatures, DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer y)
    {
        PrimitiveChecks.LinearForward(rows, inFeatures, outFeatures, x, w, bias, y);
        using var timer = Profile(nameof(LinearForward));
        LinearForwardCore(rows, inFeatures, outFeatures, x, w, bias, y);
    }

    /// <summary>
    /// This backend's <see cref="LinearForward"/>, called once the arguments passed its checks. The
    /// default is the two primitives in sequence (a GPU backend's bias kernel is one more launch
    /// over y, which its memory bandwidth makes cheap); the CPU backend fuses them.
    /// </summary>
    protected virtual void LinearForwardCore(int rows, int inFeatures, int outFeatures, DeviceBuffer x, DeviceBuffer w,
        DeviceBuffer bias, DeviceBuffer y)
    {
        GemmCore(false, true, rows, outFeatures, inFeatures, 1f, x, inFeatures, w, inFeatures, 0f, y, outFeatures);
        AddBiasCore(rows, outFeatures, 1, y, bias);
    }

    // ---- convolution -------------------------------------------------------------------------------------

    /// <summary>y = conv(x, w) (+ bias per output channel when bias is not null).</summary>
    public void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y)
    {
        PrimitiveChecks.Conv2dForward(g, x, w, bias, y);
        using var timer = Profile(nameof(Conv2dForward));
        Conv2dForwardCore(in g, x, w, bias, y);
    }

    /// <summary>This backend's <see cref="Conv2dForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void Conv2dForwardCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias,
        DeviceBuffer y);

    /// <summary>dx = gradient of the convolution with respect to its input.</summary>
    public void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        PrimitiveChecks.Conv2dBackwardData(g, dy, w, dx);
        using var timer = Profile(nameof(Conv2dBackwardData));
        Conv2dBackwardDataCore(in g, dy, w, dx);
    }

    /// <summary>This backend's <see cref="Conv2dBackwardData"/>, called once the arguments passed its checks.</summary>
    protected abstract void Conv2dBackwardDataCore(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx);

    /// <summary>dw = gradient of the convolution with respect to its filter.</summary>
    public void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        PrimitiveChecks.Conv2dBackwardFilter(g, x, dy, dw);
        using var timer = Profile(nameof(Conv2dBackwardFilter));
        Conv2dBackwardFilterCore(in g, x, dy, dw);
    }

    /// <summary>This backend's <see cref="Conv2dBackwardFilter"/>, called once the arguments passed its checks.</summary>
    protected abstract void Conv2dBackwardFilterCore(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw);

    // ---- normalisation -----------------------------------------------------------------------------------

    /// <summary>
    /// Batch-norm over (N, C, HW) with batch statistics. Writes y, the batch mean and the inverse
    /// standard deviation 1/sqrt(var_biased + eps) (both per channel, for the backward pass), and
    /// updates the running statistics in place: r = (1 − momentum)·r + momentum·batch, with the
    /// unbiased variance for runningVar (PyTorch's convention).
    /// </summary>
    public void BatchNormForwardTraining(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps, DeviceBuffer saveMean,
        DeviceBuffer saveInvStd)
    {
        PrimitiveChecks.BatchNormForwardTraining(n, c, hw, x, gamma, beta, y, runningMean, runningVar, saveMean, saveInvStd);
        using var timer = Profile(nameof(BatchNormForwardTraining));
        BatchNormForwardTrainingCore(n, c, hw, x, gamma, beta, y, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
    }

    /// <summary>This backend's <see cref="BatchNormForwardTraining"/>, called once the arguments passed its checks.</summary>
    protected abstract void BatchNormForwardTrainingCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma,
        DeviceBuffer beta, DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd);

    /// <summary>Batch-norm with the running statistics: y = gamma·(x − mean)/sqrt(var + eps) + beta.</summary>
    public void BatchNormForwardInference(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y)
    {
        PrimitiveChecks.BatchNormForwardInference(n, c, hw, x, gamma, beta, runningMean, runningVar, y);
        using var timer = Profile(nameof(BatchNormForwardInference));
        BatchNormForwardInferenceCore(n, c, hw, x, gamma, beta, runningMean, runningVar, eps, y);
    }

    /// <summary>This backend's <see cref="BatchNormForwardInference"/>, called once the arguments passed its checks.</summary>
    protected abstract void BatchNormForwardInferenceCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma,
        DeviceBuffer beta, DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y);

    /// <summary>Gradients of training-mode batch-norm given the statistics saved by the forward pass.</summary>
    public void BatchNormBackward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        PrimitiveChecks.BatchNormBackward(n, c, hw, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
        using var timer = Profile(nameof(BatchNormBackward));
        BatchNormBackwardCore(n, c, hw, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /// <summary>This backend's <see cref="BatchNormBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void BatchNormBackwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy,
        DeviceBuffer gamma, DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta);

    // ---- pooling -----------------------------------------------------------------------------------------

    /// <summary>Max pooling; <paramref name="argmax"/> (int32, one per output) records the winning input index within its plane.</summary>
    public void MaxPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax)
    {
        PrimitiveChecks.MaxPool2dForward(g, x, y, argmax);
        using var timer = Profile(nameof(MaxPool2dForward));
        MaxPool2dForwardCore(in g, x, y, argmax);
    }

    /// <summary>This backend's <see cref="MaxPool2dForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void MaxPool2dForwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax);

    /// <summary>Scatters <paramref name="dy"/> to the inputs <paramref name="argmax"/> picked in the forward pass, into <paramref name="dx"/>.</summary>
    public void MaxPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx)
    {
        PrimitiveChecks.MaxPool2dBackward(g, dy, argmax, dx);
        using var timer = Profile(nameof(MaxPool2dBackward));
        MaxPool2dBackwardCore(in g, dy, argmax, dx);
    }

    /// <summary>This backend's <see cref="MaxPool2dBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void MaxPool2dBackwardCore(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx);

    /// <summary>Average pooling of <paramref name="x"/> into <paramref name="y"/>, as <paramref name="g"/> describes.</summary>
    public void AvgPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.AvgPool2dForward(g, x, y);
        using var timer = Profile(nameof(AvgPool2dForward));
        AvgPool2dForwardCore(in g, x, y);
    }

    /// <summary>This backend's <see cref="AvgPool2dForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void AvgPool2dForwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y);

    /// <summary>
    /// dx = dy spread evenly over each window. <paramref name="x"/> (the forward's input) is not read
    /// by the arithmetic; cuDNN's pooling backward takes it all the same, and dx may not stand in
    /// for it (an output aliasing an input).
    /// </summary>
    public void AvgPool2dBackward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.AvgPool2dBackward(g, x, dy, dx);
        using var timer = Profile(nameof(AvgPool2dBackward));
        AvgPool2dBackwardCore(in g, x, dy, dx);
    }

    /// <summary>This backend's <see cref="AvgPool2dBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void AvgPool2dBackwardCore(in PoolGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx);

    // ---- resizing ----------------------------------------------------------------------------------------

    /// <summary>Resize of every plane: bilinear (PyTorch's align_corners=False rule), or nearest as its one-tap case, by the geometry's mode (see <see cref="ResizeGeometry"/>).</summary>
    public void ResizeBilinearForward(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.ResizeBilinearForward(g, x, y);
        using var timer = Profile(nameof(ResizeBilinearForward));
        ResizeBilinearForwardCore(in g, x, y);
    }

    /// <summary>This backend's <see cref="ResizeBilinearForward"/>, called once the arguments passed its checks.</summary>
    protected abstract void ResizeBilinearForwardCore(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y);

    /// <summary>dx = the resize's transpose applied to dy: each output's gradient goes to its four taps by their weights.</summary>
    public void ResizeBilinearBackward(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.ResizeBilinearBackward(g, dy, dx);
        using var timer = Profile(nameof(ResizeBilinearBackward));
        ResizeBilinearBackwardCore(in g, dy, dx);
    }

    /// <summary>This backend's <see cref="ResizeBilinearBackward"/>, called once the arguments passed its checks.</summary>
    protected abstract void ResizeBilinearBackwardCore(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx);
}
