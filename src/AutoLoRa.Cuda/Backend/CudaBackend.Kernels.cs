using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cuda;

/// <summary>
/// The primitives that run on our kernels: elementwise, reductions, losses, LoRA (cuBLAS), PGD
/// and SGD. Arguments are packed the way cuLaunchKernel takes them: one pointer per parameter,
/// pointing at a local that holds its value (device pointers as 8-byte CUdeviceptr).
/// </summary>
public sealed unsafe partial class CudaBackend
{
    public void Axpby(int length, float alpha, DeviceBuffer a, float beta, DeviceBuffer b, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Axpby), length, (a, "a"), (b, "b"), (y, "y"));
        ulong pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        void** args = stackalloc void*[] { &pa, &pb, &py, &length, &alpha, &beta };
        LaunchStreaming("axpby_f32", length, args);
    }

    public void Scale(int length, float alpha, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Scale), length, (x, "x"), (y, "y"));
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &length, &alpha };
        LaunchStreaming("scale_f32", length, args);
    }

    public void Multiply(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => Binary("mul_f32", nameof(Multiply), length, a, b, y);

    public void Minimum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => Binary("min_f32", nameof(Minimum), length, a, b, y);

    public void Maximum(int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y) => Binary("max_f32", nameof(Maximum), length, a, b, y);

    public void Relu(int length, DeviceBuffer x, DeviceBuffer y) => Unary("relu_f32", nameof(Relu), length, x, y);

    public void Sign(int length, DeviceBuffer x, DeviceBuffer y) => Unary("sign_f32", nameof(Sign), length, x, y);

    public void ReluBackward(int length, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx) => Binary("relu_backward_f32", nameof(ReluBackward), length, y, dy, dx, ("y", "dy", "dx"));

    public void Clamp(int length, DeviceBuffer x, float min, float max, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(nameof(Clamp), length, (x, "x"), (y, "y"));
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &length, &min, &max };
        LaunchStreaming("clamp_f32", length, args);
    }

    public void AddBias(int outer, int channels, int inner, DeviceBuffer y, DeviceBuffer bias)
    {
        PrimitiveChecks.Bias(nameof(AddBias), outer, channels, inner, y, "y", bias, "bias");
        int n = outer * channels * inner;
        ulong py = Ptr(y), pb = Ptr(bias);
        void** args = stackalloc void*[] { &py, &pb, &n, &channels, &inner };
        LaunchStreaming("add_bias_f32", n, args);
    }

    public void BiasBackward(int outer, int channels, int inner, DeviceBuffer dy, DeviceBuffer dbias)
    {
        PrimitiveChecks.Bias(nameof(BiasBackward), outer, channels, inner, dy, "dy", dbias, "dbias");
        ulong pdy = Ptr(dy), pdb = Ptr(dbias);
        void** args = stackalloc void*[] { &pdy, &pdb, &outer, &channels, &inner };
        _runtime.Launch("bias_backward_f32", new((uint)Math.Min(channels, 65535)), new(BlockSize), 0, args);
    }

    public void Sum(int length, DeviceBuffer x, DeviceBuffer result)
    {
        PrimitiveChecks.Sum(length, x, result);
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

    public void GlobalAvgPoolForward(int n, int c, int hw, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.GlobalAvgPoolForward(n, c, hw, x, y);
        ulong px = Ptr(x), py = Ptr(y);
        int planes = n * c;
        void** args = stackalloc void*[] { &px, &py, &planes, &hw };
        Launch("global_avg_pool_f32", (long)planes * 32, args);
    }

    public void GlobalAvgPoolBackward(int n, int c, int hw, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.GlobalAvgPoolBackward(n, c, hw, dy, dx);
        ulong pdy = Ptr(dy), pdx = Ptr(dx);
        int total = n * c * hw;
        void** args = stackalloc void*[] { &pdy, &pdx, &total, &hw };
        LaunchStreaming("global_avg_pool_backward_f32", total, args);
    }

    public void LogSoftmax(int rows, int cols, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Rows(nameof(LogSoftmax), rows, cols, (x, "x"), (y, "y"));
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &rows, &cols };
        Launch("log_softmax_f32", (long)rows * 32, args);
    }

    public void LogSoftmaxBackward(int rows, int cols, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        PrimitiveChecks.Rows(nameof(LogSoftmaxBackward), rows, cols, (y, "y"), (dy, "dy"), (dx, "dx"));
        ulong py = Ptr(y), pdy = Ptr(dy), pdx = Ptr(dx);
        void** args = stackalloc void*[] { &py, &pdy, &pdx, &rows, &cols };
        Launch("log_softmax_backward_f32", (long)rows * 32, args);
    }

    public void ArgMaxRows(int rows, int cols, DeviceBuffer x, DeviceBuffer indices)
    {
        PrimitiveChecks.ArgMaxRows(rows, cols, x, indices);
        ulong px = Ptr(x), pi = Ptr(indices);
        void** args = stackalloc void*[] { &px, &pi, &rows, &cols };
        Launch("argmax_rows_f32", rows, args);
    }

    public void SoftmaxCrossEntropyForward(int rows, int classes, DeviceBuffer logits, DeviceBuffer labels,
        DeviceBuffer loss, DeviceBuffer probabilities)
    {
        PrimitiveChecks.SoftmaxCrossEntropyForward(rows, classes, logits, labels, loss, probabilities);
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

    public void SoftmaxCrossEntropyBackward(int rows, int classes, DeviceBuffer probabilities, DeviceBuffer labels,
        DeviceBuffer dloss, DeviceBuffer dlogits)
    {
        PrimitiveChecks.SoftmaxCrossEntropyBackward(rows, classes, probabilities, labels, dloss, dlogits);
        int n = rows * classes;
        ulong pp = Ptr(probabilities), pl = Ptr(labels), pd = Ptr(dloss), pz = Ptr(dlogits);
        float invRows = 1f / rows;
        void** args = stackalloc void*[] { &pp, &pl, &pd, &pz, &n, &classes, &invRows };
        Launch("softmax_ce_backward_f32", n, args);
    }

    public void KlDivergenceForward(int rows, int classes, DeviceBuffer targetLogits, DeviceBuffer inputLogits,
        DeviceBuffer loss, DeviceBuffer logP, DeviceBuffer logQ)
    {
        PrimitiveChecks.KlDivergenceForward(rows, classes, targetLogits, inputLogits, loss, logP, logQ);
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

    public void KlDivergenceBackward(int rows, int classes, DeviceBuffer logP, DeviceBuffer logQ, DeviceBuffer dloss,
        DeviceBuffer? dTarget, DeviceBuffer? dInput)
    {
        PrimitiveChecks.KlDivergenceBackward(rows, classes, logP, logQ, dloss, dTarget, dInput);
        if (dTarget is null && dInput is null) return;
        ulong pp = Ptr(logP), pq = Ptr(logQ), pd = Ptr(dloss);
        ulong pt = dTarget is null ? 0 : Ptr(dTarget), pi = dInput is null ? 0 : Ptr(dInput);
        float invRows = 1f / rows;
        void** args = stackalloc void*[] { &pp, &pq, &pd, &pt, &pi, &rows, &classes, &invRows };
        Launch("kl_backward_f32", (long)rows * 32, args);
    }

    public void LoraMerge(int outRows, int rank, int inCols, DeviceBuffer w, DeviceBuffer b, DeviceBuffer a, float scale, DeviceBuffer wOut)
    {
        PrimitiveChecks.LoraMerge(outRows, rank, inCols, w, b, a, wOut);
        LoraGemm.Merge(this, outRows, rank, inCols, w, b, a, scale, wOut);
    }

    public void LoraMergeBackward(int outRows, int rank, int inCols, DeviceBuffer dW, DeviceBuffer b, DeviceBuffer a, float scale,
        DeviceBuffer? dB, DeviceBuffer? dA)
    {
        PrimitiveChecks.LoraMergeBackward(outRows, rank, inCols, dW, b, a, dB, dA);
        LoraGemm.Backward(this, outRows, rank, inCols, dW, b, a, scale, dB, dA);
    }

    public void PgdStep(int length, DeviceBuffer x, DeviceBuffer grad, DeviceBuffer x0, float alpha, float eps, DeviceBuffer xOut)
    {
        PrimitiveChecks.PgdStep(length, x, grad, x0, xOut);
        ulong px = Ptr(x), pg = Ptr(grad), p0 = Ptr(x0), po = Ptr(xOut);
        void** args = stackalloc void*[] { &px, &pg, &p0, &po, &length, &alpha, &eps };
        LaunchStreaming("pgd_step_f32", length, args);
    }

    public void SgdMomentumUpdate(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer velocity,
        float lr, float momentum, float weightDecay)
    {
        PrimitiveChecks.SgdMomentumUpdate(length, param, grad, velocity);
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

    private void Unary(string kernel, string op, int length, DeviceBuffer x, DeviceBuffer y)
    {
        PrimitiveChecks.Elementwise(op, length, (x, "x"), (y, "y"));
        ulong px = Ptr(x), py = Ptr(y);
        void** args = stackalloc void*[] { &px, &py, &length };
        LaunchStreaming(kernel, length, args);
    }

    // names: the operands' parameter names in messages when they are not (a, b, y).
    private void Binary(string kernel, string op, int length, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, (string A, string B, string Y)? names = null)
    {
        var (an, bn, yn) = names ?? ("a", "b", "y");
        PrimitiveChecks.Elementwise(op, length, (a, an), (b, bn), (y, yn));
        ulong pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        void** args = stackalloc void*[] { &pa, &pb, &py, &length };
        LaunchStreaming(kernel, length, args);
    }
}
