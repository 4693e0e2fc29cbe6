using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>
/// The primitives that run on our kernels: elementwise, reductions, losses, PGD
/// and SGD. Each launch goes through the generated <see cref="KernelLaunchers"/> method of its
/// kernel, whose parameters are the .cu declaration's (device pointers as ulong).
/// </summary>
public sealed unsafe partial class CudaBackend
{
    protected override void AxpbyCore(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        _kernels.AxpbyF32(Ptr(a), Ptr(b), Ptr(y), length, alpha, beta);
    }

    protected override void ScaleCore(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        _kernels.ScaleF32(Ptr(x), Ptr(y), length, alpha);
    }

    protected override void MultiplyCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => _kernels.MulF32(Ptr(a), Ptr(b), Ptr(y), length);

    protected override void MinimumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => _kernels.MinF32(Ptr(a), Ptr(b), Ptr(y), length);

    protected override void MaximumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => _kernels.MaxF32(Ptr(a), Ptr(b), Ptr(y), length);

    protected override void ReluCore(int length, DeviceBuffer x, DeviceBuffer y) => _kernels.ReluF32(Ptr(x), Ptr(y), length);

    protected override void SignCore(int length, DeviceBuffer x, DeviceBuffer y) => _kernels.SignF32(Ptr(x), Ptr(y), length);

    protected override void ReluBackwardCore(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx) => _kernels.ReluBackwardF32(Ptr(y), Ptr(dy), Ptr(dx), length);

    protected override void ClampCore(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        _kernels.ClampF32(Ptr(x), Ptr(y), length, min, max);
    }

    protected override void AddBiasCore(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        _kernels.AddBiasF32(Ptr(y), Ptr(bias), outer * channels * inner, channels, inner);
    }

    protected override void BiasBackwardCore(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        _kernels.BiasBackwardF32(Ptr(dy), Ptr(dbias), outer, channels, inner);
    }

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

    protected override void GlobalAvgPoolForwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        _kernels.GlobalAvgPoolF32(Ptr(x), Ptr(y), n * c, hw);
    }

    protected override void GlobalAvgPoolBackwardCore(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        _kernels.GlobalAvgPoolBackwardF32(Ptr(dy), Ptr(dx), n * c * hw, hw);
    }

    protected override void LogSoftmaxCore(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        _kernels.LogSoftmaxF32(Ptr(x), Ptr(y), rows, cols);
    }

    protected override void LogSoftmaxBackwardCore(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        _kernels.LogSoftmaxBackwardF32(Ptr(y), Ptr(dy), Ptr(dx), rows, cols);
    }

    protected override void ArgMaxRowsCore(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        _kernels.ArgmaxRowsF32(Ptr(x), Ptr(indices), rows, cols);
    }

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

    protected override void SoftmaxCrossEntropyBackwardCore(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        _kernels.SoftmaxCeBackwardF32(Ptr(probabilities), Ptr(labels), Ptr(dloss), Ptr(dlogits), rows * classes, classes, 1f / rows);
    }

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

    protected override void KlDivergenceBackwardCore(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        if (dTarget is null && dInput is null) return;
        // The kernel skips a gradient whose pointer is null (0).
        _kernels.KlBackwardF32(Ptr(logP), Ptr(logQ), Ptr(dloss), dTarget is null ? 0 : Ptr(dTarget), dInput is null ? 0 : Ptr(dInput),
            rows, classes, 1f / rows);
    }

    protected override void PgdStepCore(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        _kernels.PgdStepF32(Ptr(x), Ptr(grad), Ptr(x0), Ptr(xOut), length, alpha, eps);
    }

    protected override void SgdMomentumUpdateCore(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay)
    {
        _kernels.SgdMomentumF32(Ptr(param), Ptr(grad), Ptr(velocity), length, lr, momentum, weightDecay);
    }

    // One block of 1024 threads folds the per-row values, so the mean is deterministic.
    private void MeanRows(ulong values, ulong output, int rows) => _kernels.MeanRowsF32(new(1), new(1024), 0, values, output, rows, 1f / rows);
}
