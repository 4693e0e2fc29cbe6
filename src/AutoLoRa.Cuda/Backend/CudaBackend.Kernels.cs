using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>
/// The primitives on our kernels that do more than pass their arguments to one kernel: derived
/// sizes, scratch buffers, two launches. Each launch goes through the generated
/// <see cref="KernelLaunchers"/> method of its kernel, whose parameters are the .cu declaration's
/// (device pointers as ulong). The primitives that are exactly one launch (Axpby, Relu, PgdStep,
/// LogSoftmax, ...) are generated from the <c>// @implements</c> line above their kernel.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    /// <inheritdoc/>
    protected override void AddBiasCore(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        _kernels.AddBiasF32(Ptr(y), Ptr(bias), outer * channels * inner, channels, inner);
    }

    /// <inheritdoc/>
    protected override void BiasBackwardCore(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        _kernels.BiasBackwardF32(Ptr(dy), Ptr(dbias), outer, channels, inner);
    }

    /// <inheritdoc/>
    protected override void SumCore(int length, DeviceBuffer x, DeviceBuffer result)
    {
        // Two passes of the block-fold kernel: G partial sums, then one block folds them.
        uint blocks = _kernels.Grid(KernelLaunchers.StreamingThreads(length));
        var partials = _allocator.Rent((int)blocks, DType.Float32);
        try
        {
            const uint block = KernelLaunchers.BlockSize, sharedBytes = block * sizeof(float);
            _kernels.SumF32(new(blocks), new(block), sharedBytes, Ptr(x), partials.Pointer, length);
            _kernels.SumF32(new(1), new(block), sharedBytes, partials.Pointer, Ptr(result), (int)blocks);
        }
        finally
        {
            partials.Release(); // stream order keeps the block valid for the queued kernels
        }
    }

    /// <inheritdoc/>
    protected override void GlobalAvgPoolForwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        _kernels.GlobalAvgPoolF32(Ptr(x), Ptr(y), n * c, hw);
    }

    /// <inheritdoc/>
    protected override void GlobalAvgPoolBackwardCore(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        _kernels.GlobalAvgPoolBackwardF32(Ptr(dy), Ptr(dx), n * c * hw, hw);
    }

    /// <inheritdoc/>
    protected override void SoftmaxCrossEntropyForwardCore(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        var rowLoss = _allocator.Rent(rows, DType.Float32);
        try
        {
            _kernels.SoftmaxCeForwardF32(Ptr(logits), Ptr(labels), Ptr(probabilities), rowLoss.Pointer, _errorFlag.Pointer, rows, classes);
            MeanRows(rowLoss.Pointer, Ptr(loss), rows);
        }
        finally
        {
            rowLoss.Release();
        }
    }

    /// <inheritdoc/>
    protected override void SoftmaxCrossEntropyBackwardCore(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        _kernels.SoftmaxCeBackwardF32(Ptr(probabilities), Ptr(labels), Ptr(dloss), Ptr(dlogits), rows * classes, classes, 1f / rows);
    }

    /// <inheritdoc/>
    protected override void KlDivergenceForwardCore(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        var rowKl = _allocator.Rent(rows, DType.Float32);
        try
        {
            _kernels.KlForwardF32(Ptr(targetLogits), Ptr(inputLogits), Ptr(logP), Ptr(logQ), rowKl.Pointer, rows, classes);
            MeanRows(rowKl.Pointer, Ptr(loss), rows);
        }
        finally
        {
            rowKl.Release();
        }
    }

    /// <inheritdoc/>
    protected override void KlDivergenceBackwardCore(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        if (dTarget is null && dInput is null) return;
        // The kernel skips a gradient whose pointer is null (0).
        _kernels.KlBackwardF32(Ptr(logP), Ptr(logQ), Ptr(dloss), dTarget is null ? 0 : Ptr(dTarget), dInput is null ? 0 : Ptr(dInput),
            rows, classes, 1f / rows);
    }

    // One block of 1024 threads folds the per-row values, so the mean is deterministic.
    private void MeanRows(ulong values, ulong output, int rows) => _kernels.MeanRowsF32(new(1), new(1024), 0, values, output, rows, 1f / rows);
}
