using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>
/// The primitives that run on our kernels: elementwise, reductions, losses, PGD
/// and SGD. Arguments are packed the way cuLaunchKernel takes them: one pointer per parameter,
/// pointing at a local that holds its value (device pointers as 8-byte CUdeviceptr).
/// </summary>
public sealed unsafe partial class CudaBackend
{
    protected override void AxpbyCore(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        ulong pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        void** args = stackalloc void*[] { &pa, &pb, &py, &length, &alpha, &beta };
        LaunchStreaming("axpby_f32", length, args);
    }

    protected override void ScaleCore(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &length, &alpha };
        LaunchStreaming("scale_f32", length, args);
    }

    protected override void MultiplyCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => Binary("mul_f32", length, a, b, y);

    protected override void MinimumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => Binary("min_f32", length, a, b, y);

    protected override void MaximumCore(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => Binary("max_f32", length, a, b, y);

    protected override void ReluCore(int length, DeviceBuffer x, DeviceBuffer y) => Unary("relu_f32", length, x, y);

    protected override void SignCore(int length, DeviceBuffer x, DeviceBuffer y) => Unary("sign_f32", length, x, y);

    protected override void ReluBackwardCore(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx) => Binary("relu_backward_f32", length, y, dy, dx);

    protected override void ClampCore(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &length, &min, &max };
        LaunchStreaming("clamp_f32", length, args);
    }

    protected override void AddBiasCore(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        int n = outer * channels * inner;
        ulong py = Ptr(y), pb = Ptr(bias);
        void** args = stackalloc void*[] { &py, &pb, &n, &channels, &inner };
        LaunchStreaming("add_bias_f32", n, args);
    }

    protected override void BiasBackwardCore(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        ulong pdy = Ptr(dy), pdb = Ptr(dbias);
        void** args = stackalloc void*[] { &pdy, &pdb, &outer, &channels, &inner };
        _runtime.Launch("bias_backward_f32", new((uint)Math.Min(channels, 65535)), new(BlockSize), 0, args);
    }

    protected override void SumCore(int length, DeviceBuffer x, DeviceBuffer result)
    {
        // Two passes of the block-fold kernel: G partial sums, then one block folds them.
        uint blocks = Grid(StreamingThreads(length));
        var partials = _allocator.Rent((int)blocks, DType.Float32);
        try
        {
            ulong px = Ptr(x), pp = partials.Pointer, pr = Ptr(result);
            int n = length, g = (int)blocks;
            void** first = stackalloc void*[] { &px, &pp, &n };
            _runtime.Launch("sum_f32", new(blocks), new(BlockSize), BlockSize * 4, first);
            void** second = stackalloc void*[] { &pp, &pr, &g };
            _runtime.Launch("sum_f32", new(1), new(BlockSize), BlockSize * 4, second);
        }
        finally
        {
            partials.Release(); // stream order keeps the block valid for the queued kernels
        }
    }

    protected override void GlobalAvgPoolForwardCore(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        ulong px = Ptr(x), py = Ptr(y);
        int planes = n * c;
        void** args = stackalloc void*[] { &px, &py, &planes, &hw };
        Launch("global_avg_pool_f32", (long)planes * 32, args);
    }

    protected override void GlobalAvgPoolBackwardCore(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        ulong pdy = Ptr(dy), pdx = Ptr(dx);
        int total = n * c * hw;
        void** args = stackalloc void*[] { &pdy, &pdx, &total, &hw };
        LaunchStreaming("global_avg_pool_backward_f32", total, args);
    }

    protected override void LogSoftmaxCore(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &rows, &cols };
        Launch("log_softmax_f32", (long)rows * 32, args);
    }

    protected override void LogSoftmaxBackwardCore(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        ulong py = Ptr(y), pdy = Ptr(dy), pdx = Ptr(dx);
        void** args = stackalloc void*[] { &py, &pdy, &pdx, &rows, &cols };
        Launch("log_softmax_backward_f32", (long)rows * 32, args);
    }

    protected override void ArgMaxRowsCore(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        ulong px = Ptr(x), pi = Ptr(indices);
        void** args = stackalloc void*[] { &px, &pi, &rows, &cols };
        Launch("argmax_rows_f32", rows, args);
    }

    protected override void SoftmaxCrossEntropyForwardCore(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        var rowLoss = _allocator.Rent(rows, DType.Float32);
        try
        {
            ulong pz = Ptr(logits), pl = Ptr(labels), pp = Ptr(probabilities), pr = rowLoss.Pointer, err = _errorFlag.Pointer;
            void** args = stackalloc void*[] { &pz, &pl, &pp, &pr, &err, &rows, &classes };
            Launch("softmax_ce_forward_f32", (long)rows * 32, args);
            MeanRows(pr, Ptr(loss), rows);
        }
        finally
        {
            rowLoss.Release();
        }
    }

    protected override void SoftmaxCrossEntropyBackwardCore(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        int n = rows * classes;
        ulong pp = Ptr(probabilities), pl = Ptr(labels), pd = Ptr(dloss), pz = Ptr(dlogits);
        float invRows = 1f / rows;
        void** args = stackalloc void*[] { &pp, &pl, &pd, &pz, &n, &classes, &invRows };
        Launch("softmax_ce_backward_f32", n, args);
    }

    protected override void KlDivergenceForwardCore(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        var rowKl = _allocator.Rent(rows, DType.Float32);
        try
        {
            ulong pt = Ptr(targetLogits), pi = Ptr(inputLogits), pp = Ptr(logP), pq = Ptr(logQ), pr = rowKl.Pointer;
            void** args = stackalloc void*[] { &pt, &pi, &pp, &pq, &pr, &rows, &classes };
            Launch("kl_forward_f32", (long)rows * 32, args);
            MeanRows(pr, Ptr(loss), rows);
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
        ulong pp = Ptr(logP), pq = Ptr(logQ), pd = Ptr(dloss);
        ulong pt = dTarget is null ? 0 : Ptr(dTarget), pi = dInput is null ? 0 : Ptr(dInput);
        float invRows = 1f / rows;
        void** args = stackalloc void*[] { &pp, &pq, &pd, &pt, &pi, &rows, &classes, &invRows };
        Launch("kl_backward_f32", (long)rows * 32, args);
    }

    protected override void PgdStepCore(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        ulong px = Ptr(x), pg = Ptr(grad), p0 = Ptr(x0), po = Ptr(xOut);
        void** args = stackalloc void*[] { &px, &pg, &p0, &po, &length, &alpha, &eps };
        LaunchStreaming("pgd_step_f32", length, args);
    }

    protected override void SgdMomentumUpdateCore(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay)
    {
        ulong pp = Ptr(param), pg = Ptr(grad), pv = Ptr(velocity);
        void** args = stackalloc void*[] { &pp, &pg, &pv, &length, &lr, &momentum, &weightDecay };
        LaunchStreaming("sgd_momentum_f32", length, args);
    }

    private void MeanRows(ulong values, ulong output, int rows)
    {
        float scale = 1f / rows;
        void** args = stackalloc void*[] { &values, &output, &rows, &scale };
        _runtime.Launch("mean_rows_f32", new(1), new(1024), 0, args);
    }

    private void Unary(string kernel, int length, DeviceBuffer x, DeviceBuffer y)
    {
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &length };
        LaunchStreaming(kernel, length, args);
    }

    private void Binary(string kernel, int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y)
    {
        ulong pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        void** args = stackalloc void*[] { &pa, &pb, &py, &length };
        LaunchStreaming(kernel, length, args);
    }
}
