namespace AutoLoRa.Core.Backends;

/// <summary>
/// The primitive operations every backend provides. This is deliberately not a tensor library:
/// it knows buffers and sizes, never tensors, shapes or the autograd tape, so a backend is a
/// small, testable thing (see the conformance suite in tests/). All float buffers are float32,
/// all images NCHW, all matrices row-major. Unless a method says it accumulates, it overwrites
/// its output. Output buffers must not alias inputs unless the method says so.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Short name shown in logs and test traits ("cpu", "cuda-emulated", "cuda").</summary>
    string Name { get; }

    // ---- buffers ----------------------------------------------------------------------------

    /// <summary>A buffer of <paramref name="length"/> elements; contents are unspecified.</summary>
    DeviceBuffer Allocate(int length, DType dtype = DType.Float32);

    void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, int destinationOffset = 0);

    void Upload(ReadOnlySpan<int> source, DeviceBuffer destination, int destinationOffset = 0);

    void Download(DeviceBuffer source, Span<float> destination, int sourceOffset = 0);

    void Download(DeviceBuffer source, Span<int> destination, int sourceOffset = 0);

    void Copy(BufferSlice source, BufferSlice destination, int count);

    void Fill(DeviceBuffer destination, float value);

    /// <summary>Waits until all queued work has finished (a no-op for synchronous backends).</summary>
    void Synchronize();

    // ---- dense linear algebra -----------------------------------------------------------------

    /// <summary>
    /// Row-major C = alpha · op(A) · op(B) + beta · C with op(A) of shape m×k and op(B) of shape k×n.
    /// lda/ldb/ldc are row strides of the matrices as stored (before the transpose).
    /// When beta is 0, C's previous contents are ignored (NaN included).
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc);

    /// <summary><see cref="Gemm"/> over <paramref name="batch"/> matrices spaced by the given element strides.</summary>
    void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        float beta, BufferSlice c, int ldc, long strideC, int batch);

    // ---- convolution ---------------------------------------------------------------------------

    /// <summary>y = conv(x, w) (+ bias per output channel when bias is not null).</summary>
    void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y);

    /// <summary>dx = gradient of the convolution with respect to its input.</summary>
    void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx);

    /// <summary>dw = gradient of the convolution with respect to its filter.</summary>
    void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw);

    // ---- normalisation -------------------------------------------------------------------------

    /// <summary>
    /// Batch-norm over (N, C, HW) with batch statistics. Writes y, the batch mean and the inverse
    /// standard deviation 1/sqrt(var_biased + eps) (both per channel, for the backward pass), and
    /// updates the running statistics in place: r = (1 − momentum)·r + momentum·batch, with the
    /// unbiased variance for runningVar (PyTorch's convention).
    /// </summary>
    void BatchNormForwardTraining(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd);

    /// <summary>Batch-norm with the running statistics: y = gamma·(x − mean)/sqrt(var + eps) + beta.</summary>
    void BatchNormForwardInference(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y);

    /// <summary>Gradients of training-mode batch-norm given the statistics saved by the forward pass.</summary>
    void BatchNormBackward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta);

    // ---- pooling -------------------------------------------------------------------------------

    /// <summary>Max pooling; <paramref name="argmax"/> (int32, one per output) records the winning input index within its plane.</summary>
    void MaxPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax);

    void MaxPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx);

    void AvgPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y);

    void AvgPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer dx);

    // ---- resizing ------------------------------------------------------------------------------

    /// <summary>Bilinear resize of every plane, PyTorch's align_corners=False rule (see <see cref="ResizeGeometry"/>).</summary>
    void ResizeBilinearForward(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y);

    /// <summary>dx = the resize's transpose applied to dy: each output's gradient goes to its four taps by their weights.</summary>
    void ResizeBilinearBackward(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx);

    // ---- elementwise (length = element count; outputs may alias inputs) ------------------------

    /// <summary>y = alpha·a + beta·b.</summary>
    void Axpby(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y);

    /// <summary>y = alpha·x.</summary>
    void Scale(int length, float alpha, DeviceBuffer x, DeviceBuffer y);

    /// <summary>y = a ⊙ b.</summary>
    void Multiply(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    void Relu(int length, DeviceBuffer x, DeviceBuffer y);

    /// <summary>dx = dy where the forward output y was positive, else 0.</summary>
    void ReluBackward(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>y = sign(x) with sign(0) = 0.</summary>
    void Sign(int length, DeviceBuffer x, DeviceBuffer y);

    void Clamp(int length, DeviceBuffer x, float min, float max, DeviceBuffer y);

    void Minimum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    void Maximum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y);

    /// <summary>y[o, c, i] += bias[c] for y viewed as (outer, channels, inner).</summary>
    void AddBias(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias);

    /// <summary>dbias[c] = Σ_{o,i} dy[o, c, i].</summary>
    void BiasBackward(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias);

    // ---- reductions ----------------------------------------------------------------------------

    /// <summary>result[0] = Σ x.</summary>
    void Sum(int length, DeviceBuffer x, DeviceBuffer result);

    /// <summary>y[n, c] = mean over the hw plane of x[n, c, :].</summary>
    void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y);

    void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>Row-wise log-softmax of a (rows, cols) matrix.</summary>
    void LogSoftmax(int rows, int cols, DeviceBuffer x, DeviceBuffer y);

    /// <summary>dx = dy − softmax · rowsum(dy), given the forward output y = log-softmax.</summary>
    void LogSoftmaxBackward(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>indices[r] = argmax of row r (int32, first maximum wins).</summary>
    void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices);

    // ---- fused primitives of the hot path -------------------------------------------------------

    /// <summary>
    /// Mean cross-entropy of logits (rows, classes) against int32 labels. Writes loss[0] and the
    /// softmax probabilities (for the backward pass).
    /// </summary>
    void SoftmaxCrossEntropyForward(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities);

    /// <summary>dlogits = (probabilities − onehot(labels)) · dloss[0] / rows.</summary>
    void SoftmaxCrossEntropyBackward(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits);

    /// <summary>
    /// loss[0] = Σ_rows Σ_j p_j (log p_j − log q_j) / rows with p = softmax(target logits),
    /// q = softmax(input logits) — TRADES's KL(p(x) ‖ p(x_adv)). Writes log p and log q for the backward.
    /// </summary>
    void KlDivergenceForward(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ);

    /// <summary>
    /// Gradients of the KL loss scaled by dloss[0]: dInput = (q − p)/rows and
    /// dTarget = p ⊙ (log p − log q − KL_row)/rows. Either output may be null when not needed.
    /// </summary>
    void KlDivergenceBackward(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput);

    /// <summary>
    /// The LoRA merge: wOut = w + scale · (B @ A) with B (outRows × rank) and A (rank × inCols),
    /// where outRows·inCols equals w's element count (the reshape is free in row-major order).
    /// </summary>
    void LoraMerge(int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a, float scale, DeviceBuffer wOut);

    /// <summary>dA = scale · Bᵀ · dW and dB = scale · dW · Aᵀ (either may be null when not needed).</summary>
    void LoraMergeBackward(int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a, float scale,
        DeviceBuffer? dB, DeviceBuffer? dA);

    /// <summary>xOut = clamp(clamp(x + alpha·sign(grad), x0 − eps, x0 + eps), 0, 1). xOut may alias x.</summary>
    void PgdStep(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut);

    /// <summary>
    /// PyTorch SGD in one pass: d = grad + weightDecay·param; velocity = momentum·velocity + d;
    /// param −= lr · velocity. The velocity buffer starts at zero.
    /// </summary>
    void SgdMomentumUpdate(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay);
}
