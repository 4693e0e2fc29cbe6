using System.Diagnostics;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Diagnostics;

/// <summary>
/// A backend that times every primitive of another and charges it to <see cref="OpProfiler"/>'s
/// current phase and layer. Each primitive is followed by a device synchronisation so that an
/// asynchronous backend's time lands on the primitive that caused it — profiles therefore measure
/// a serialised device and run slightly slower than unprofiled steps.
/// </summary>
public sealed class ProfilingBackend(IBackend inner) : IBackend
{
    public IBackend Inner { get; } = inner;

    public string Name => Inner.Name;

    private static long Start() => Stopwatch.GetTimestamp();

    private void Stop(string primitive, long start)
    {
        Inner.Synchronize();
        OpProfiler.Record(primitive, start);
    }

    public DeviceBuffer Allocate(int length, DType dtype = DType.Float32)
    {
        long t = Start();
        var buffer = Inner.Allocate(length, dtype);
        Stop(nameof(Allocate), t);
        return buffer;
    }

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination, int destinationOffset = 0)
    {
        long t = Start();
        Inner.Upload(source, destination, destinationOffset);
        Stop(nameof(Upload), t);
    }

    public void Upload(ReadOnlySpan<int> source, DeviceBuffer destination, int destinationOffset = 0)
    {
        long t = Start();
        Inner.Upload(source, destination, destinationOffset);
        Stop(nameof(Upload), t);
    }

    public void Download(DeviceBuffer source, Span<float> destination, int sourceOffset = 0)
    {
        long t = Start();
        Inner.Download(source, destination, sourceOffset);
        Stop(nameof(Download), t);
    }

    public void Download(DeviceBuffer source, Span<int> destination, int sourceOffset = 0)
    {
        long t = Start();
        Inner.Download(source, destination, sourceOffset);
        Stop(nameof(Download), t);
    }

    public void Copy(BufferSlice source, BufferSlice destination, int count)
    {
        long t = Start();
        Inner.Copy(source, destination, count);
        Stop(nameof(Copy), t);
    }

    public void Fill(DeviceBuffer destination, float value)
    {
        long t = Start();
        Inner.Fill(destination, value);
        Stop(nameof(Fill), t);
    }

    public void Synchronize() => Inner.Synchronize();

    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, BufferSlice b, int ldb, float beta, BufferSlice c, int ldc)
    {
        long t = Start();
        Inner.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Stop(nameof(Gemm), t);
    }

    public void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        BufferSlice a, int lda, long strideA, BufferSlice b, int ldb, long strideB,
        float beta, BufferSlice c, int ldc, long strideC, int batch)
    {
        long t = Start();
        Inner.GemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        Stop(nameof(GemmStridedBatched), t);
    }

    public void Conv2dForward(in ConvGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, DeviceBuffer y)
    {
        long t = Start();
        Inner.Conv2dForward(g, x, w, bias, y);
        Stop(nameof(Conv2dForward), t);
    }

    public void Conv2dBackwardData(in ConvGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        long t = Start();
        Inner.Conv2dBackwardData(g, dy, w, dx);
        Stop(nameof(Conv2dBackwardData), t);
    }

    public void Conv2dBackwardFilter(in ConvGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        long t = Start();
        Inner.Conv2dBackwardFilter(g, x, dy, dw);
        Stop(nameof(Conv2dBackwardFilter), t);
    }

    public void BatchNormForwardTraining(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer y, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd)
    {
        long t = Start();
        Inner.BatchNormForwardTraining(n, c, hw, x, gamma, beta, y, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
        Stop(nameof(BatchNormForwardTraining), t);
    }

    public void BatchNormForwardInference(int n, int c, int hw, DeviceBuffer x, DeviceBuffer gamma, DeviceBuffer beta,
        DeviceBuffer runningMean, DeviceBuffer runningVar, float eps, DeviceBuffer y)
    {
        long t = Start();
        Inner.BatchNormForwardInference(n, c, hw, x, gamma, beta, runningMean, runningVar, eps, y);
        Stop(nameof(BatchNormForwardInference), t);
    }

    public void BatchNormBackward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer gamma,
        DeviceBuffer saveMean, DeviceBuffer saveInvStd, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta)
    {
        long t = Start();
        Inner.BatchNormBackward(n, c, hw, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
        Stop(nameof(BatchNormBackward), t);
    }

    public void MaxPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax)
    {
        long t = Start();
        Inner.MaxPool2dForward(g, x, y, argmax);
        Stop(nameof(MaxPool2dForward), t);
    }

    public void MaxPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx)
    {
        long t = Start();
        Inner.MaxPool2dBackward(g, dy, argmax, dx);
        Stop(nameof(MaxPool2dBackward), t);
    }

    public void AvgPool2dForward(in PoolGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.AvgPool2dForward(g, x, y);
        Stop(nameof(AvgPool2dForward), t);
    }

    public void AvgPool2dBackward(in PoolGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        long t = Start();
        Inner.AvgPool2dBackward(g, dy, dx);
        Stop(nameof(AvgPool2dBackward), t);
    }

    public void ResizeBilinearForward(in ResizeGeometry g, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.ResizeBilinearForward(g, x, y);
        Stop(nameof(ResizeBilinearForward), t);
    }

    public void ResizeBilinearBackward(in ResizeGeometry g, DeviceBuffer dy, DeviceBuffer dx)
    {
        long t = Start();
        Inner.ResizeBilinearBackward(g, dy, dx);
        Stop(nameof(ResizeBilinearBackward), t);
    }

    public void Axpby(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        long t = Start();
        Inner.Axpby(length, alpha, a, beta, b, y);
        Stop(nameof(Axpby), t);
    }

    public void Scale(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.Scale(length, alpha, x, y);
        Stop(nameof(Scale), t);
    }

    public void Multiply(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        long t = Start();
        Inner.Multiply(length, a, b, y);
        Stop(nameof(Multiply), t);
    }

    public void Relu(int length, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.Relu(length, x, y);
        Stop(nameof(Relu), t);
    }

    public void ReluBackward(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        long t = Start();
        Inner.ReluBackward(length, y, dy, dx);
        Stop(nameof(ReluBackward), t);
    }

    public void Sign(int length, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.Sign(length, x, y);
        Stop(nameof(Sign), t);
    }

    public void Clamp(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        long t = Start();
        Inner.Clamp(length, x, min, max, y);
        Stop(nameof(Clamp), t);
    }

    public void Minimum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        long t = Start();
        Inner.Minimum(length, a, b, y);
        Stop(nameof(Minimum), t);
    }

    public void Maximum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        long t = Start();
        Inner.Maximum(length, a, b, y);
        Stop(nameof(Maximum), t);
    }

    public void AddBias(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        long t = Start();
        Inner.AddBias(outer, channels, inner, y, bias);
        Stop(nameof(AddBias), t);
    }

    public void BiasBackward(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        long t = Start();
        Inner.BiasBackward(outer, channels, inner, dy, dbias);
        Stop(nameof(BiasBackward), t);
    }

    public void Sum(int length, DeviceBuffer x, DeviceBuffer result)
    {
        long t = Start();
        Inner.Sum(length, x, result);
        Stop(nameof(Sum), t);
    }

    public void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.GlobalAvgPoolForward(n, c, hw, x, y);
        Stop(nameof(GlobalAvgPoolForward), t);
    }

    public void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        long t = Start();
        Inner.GlobalAvgPoolBackward(n, c, hw, dy, dx);
        Stop(nameof(GlobalAvgPoolBackward), t);
    }

    public void LogSoftmax(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        long t = Start();
        Inner.LogSoftmax(rows, cols, x, y);
        Stop(nameof(LogSoftmax), t);
    }

    public void LogSoftmaxBackward(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        long t = Start();
        Inner.LogSoftmaxBackward(rows, cols, y, dy, dx);
        Stop(nameof(LogSoftmaxBackward), t);
    }

    public void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        long t = Start();
        Inner.ArgMaxRows(rows, cols, x, indices);
        Stop(nameof(ArgMaxRows), t);
    }

    public void SoftmaxCrossEntropyForward(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        long t = Start();
        Inner.SoftmaxCrossEntropyForward(rows, classes, logits, labels, loss, probabilities);
        Stop(nameof(SoftmaxCrossEntropyForward), t);
    }

    public void SoftmaxCrossEntropyBackward(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        long t = Start();
        Inner.SoftmaxCrossEntropyBackward(rows, classes, probabilities, labels, dloss, dlogits);
        Stop(nameof(SoftmaxCrossEntropyBackward), t);
    }

    public void KlDivergenceForward(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        long t = Start();
        Inner.KlDivergenceForward(rows, classes, targetLogits, inputLogits, loss, logP, logQ);
        Stop(nameof(KlDivergenceForward), t);
    }

    public void KlDivergenceBackward(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        long t = Start();
        Inner.KlDivergenceBackward(rows, classes, logP, logQ, dloss, dTarget, dInput);
        Stop(nameof(KlDivergenceBackward), t);
    }

    public void LoraMerge(int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a, float scale, DeviceBuffer wOut)
    {
        long t = Start();
        Inner.LoraMerge(outRows, rank, inCols, w, b, a, scale, wOut);
        Stop(nameof(LoraMerge), t);
    }

    public void LoraMergeBackward(int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a, float scale,
        DeviceBuffer? dB, DeviceBuffer? dA)
    {
        long t = Start();
        Inner.LoraMergeBackward(outRows, rank, inCols, dW, b, a, scale, dB, dA);
        Stop(nameof(LoraMergeBackward), t);
    }

    public void PgdStep(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        long t = Start();
        Inner.PgdStep(length, x, grad, x0, alpha, eps, xOut);
        Stop(nameof(PgdStep), t);
    }

    public void SgdMomentumUpdate(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay)
    {
        long t = Start();
        Inner.SgdMomentumUpdate(length, param, grad, velocity, lr, momentum, weightDecay);
        Stop(nameof(SgdMomentumUpdate), t);
    }

    /// <summary>The profiled backend is borrowed; its owner disposes it.</summary>
    public void Dispose()
    {
    }
}
