using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cli.Bench;

/// <summary>One kernel launch of a timed call: the kernel and how many elements it reads and writes.</summary>
internal readonly record struct KernelLaunch(string Kernel, long Read, long Written);

/// <summary>A primitive call that runs our kernels (<see cref="Launches"/>), on buffers it owns.</summary>
internal sealed record KernelWorkload(string Shape, KernelLaunch[] Launches, Action Call);

/// <summary>
/// The calls <c>autolora bench kernels</c> times: every kernel of the CUDA backend's launch table
/// through the primitive that launches it, at about <c>size</c> elements. Elementwise kernels get
/// n = size; NCHW kernels a (B, 64, 32, 32) batch with B = ⌈size / 65536⌉ (ResNet's early
/// layers); row kernels (size / 10) × 10 logits, as for ten classes. Buffers are filled with
/// values the kernels accept (labels in range, argmax indices from a real forward pass).
/// </summary>
internal sealed class KernelWorkloads(Backend backend) : IDisposable
{
    private const int Channels = 64, Side = 32, Classes = 10;

    private readonly List<DeviceBuffer> _buffers = [];
    private readonly Random _rng = new(1);

    public IEnumerable<KernelWorkload> For(int size)
    {
        int n = size;
        var (a, b, y) = (Random(n, -2, 2), Random(n, -2, 2), Allocate(n));
        KernelLaunch[] Stream(string kernel) => [new(kernel, n, n)];
        string flat = $"{n}";
        yield return new(flat, Stream("axpby_f32"), () => backend.Axpby(n, 0.5f, a, -1.5f, b, y));
        yield return new(flat, Stream("scale_f32"), () => backend.Scale(n, 3f, a, y));
        yield return new(flat, Stream("mul_f32"), () => backend.Multiply(n, a, b, y));
        yield return new(flat, Stream("relu_f32"), () => backend.Relu(n, a, y));
        yield return new(flat, Stream("relu_backward_f32"), () => backend.ReluBackward(n, a, b, y));
        yield return new(flat, Stream("sign_f32"), () => backend.Sign(n, a, y));
        yield return new(flat, Stream("clamp_f32"), () => backend.Clamp(n, a, -0.5f, 0.75f, y));
        yield return new(flat, Stream("min_f32"), () => backend.Minimum(n, a, b, y));
        yield return new(flat, Stream("max_f32"), () => backend.Maximum(n, a, b, y));
        var (x0, velocity, sum) = (Random(n, 0, 1), Random(n, -1, 1), Allocate(1));
        yield return new(flat, Stream("pgd_step_f32"), () => backend.PgdStep(n, a, b, x0, 2f / 255, 8f / 255, y));
        yield return new(flat, Stream("sgd_momentum_f32"), () => backend.SgdMomentumUpdate(n, y, b, velocity, 1e-3f, 0.9f, 5e-4f));
        yield return new(flat, [new("sum_f32", n, 1)], () => backend.Sum(n, a, sum));

        int batch = Math.Max(1, (int)(((long)size + Channels * Side * Side - 1) / (Channels * Side * Side)));
        int planes = batch * Channels, hw = Side * Side, count = planes * hw;
        var (x, nchw, bias, perPlane) = (Random(count, -1, 1), Allocate(count), Random(Channels, -1, 1), Random(planes, -1, 1));
        string image = $"{batch}×{Channels}×{Side}×{Side}";
        yield return new(image, [new("add_bias_f32", count, count)], () => backend.AddBias(batch, Channels, hw, nchw, bias));
        yield return new(image, [new("bias_backward_f32", count, Channels)], () => backend.BiasBackward(batch, Channels, hw, x, bias));
        yield return new(image, [new("global_avg_pool_f32", count, planes)], () => backend.GlobalAvgPoolForward(batch, Channels, hw, x, perPlane));
        yield return new(image, [new("global_avg_pool_backward_f32", planes, count)], () => backend.GlobalAvgPoolBackward(batch, Channels, hw, perPlane, nchw));

        var pool = new PoolGeometry(batch, Channels, Side, Side, Kernel: 3, Stride: 2, Pad: 1);
        var (pooled, argmax, dPooled) = (Allocate(pool.OutputSize), Allocate(pool.OutputSize, DType.Int32), Random(pool.OutputSize, -1, 1));
        backend.MaxPool2dForward(pool, x, pooled, argmax); // backward needs real argmax indices
        string poolShape = $"{image}, 3×3/2";
        yield return new(poolShape, [new("maxpool_forward_f32", pool.InputSize, pool.OutputSize)], () => backend.MaxPool2dForward(pool, x, pooled, argmax));
        yield return new(poolShape, [new("maxpool_backward_f32", pool.OutputSize, pool.InputSize)], () => backend.MaxPool2dBackward(pool, dPooled, argmax, nchw));

        // A quarter of the batch, doubled in each direction: the output is as large as the NCHW batch.
        var resize = new ResizeGeometry(Math.Max(1, batch / 4), Channels, Side, Side, 2 * Side, 2 * Side);
        var (small, large) = (Random(resize.InputSize, -1, 1), Random(resize.OutputSize, -1, 1));
        var (resized, dSmall) = (Allocate(resize.OutputSize), Allocate(resize.InputSize));
        string resizeShape = $"{resize.N}×{Channels}×{Side}×{Side} → {2 * Side}×{2 * Side}";
        yield return new(resizeShape, [new("resize_bilinear_f32", resize.InputSize, resize.OutputSize)], () => backend.ResizeBilinearForward(resize, small, resized));
        yield return new(resizeShape, [new("resize_bilinear_backward_f32", resize.OutputSize, resize.InputSize)], () => backend.ResizeBilinearBackward(resize, large, dSmall));

        int rows = Math.Max(1, size / Classes), logits = rows * Classes;
        var (z, z2, p, q) = (Random(logits, -6, 6), Random(logits, -6, 6), Allocate(logits), Allocate(logits));
        var (dz, dz2) = (Allocate(logits), Allocate(logits));
        var (labels, indices, loss, dloss) = (Labels(rows), Allocate(rows, DType.Int32), Allocate(1), Random(1, 1, 1));
        string matrix = $"{rows}×{Classes}";
        KernelLaunch[] Rows(string kernel) => [new(kernel, logits, logits)];
        yield return new(matrix, Rows("log_softmax_f32"), () => backend.LogSoftmax(rows, Classes, z, p));
        yield return new(matrix, Rows("log_softmax_backward_f32"), () => backend.LogSoftmaxBackward(rows, Classes, p, z2, dz));
        yield return new(matrix, [new("argmax_rows_f32", logits, rows)], () => backend.ArgMaxRows(rows, Classes, z, indices));
        KernelLaunch meanRows = new("mean_rows_f32", rows, 1);
        yield return new(matrix, [.. Rows("softmax_ce_forward_f32"), meanRows], () => backend.SoftmaxCrossEntropyForward(rows, Classes, z, labels, loss, p));
        yield return new(matrix, Rows("softmax_ce_backward_f32"), () => backend.SoftmaxCrossEntropyBackward(rows, Classes, p, labels, dloss, dz));
        yield return new(matrix, [.. Rows("kl_forward_f32"), meanRows], () => backend.KlDivergenceForward(rows, Classes, z, z2, loss, p, q));
        yield return new(matrix, Rows("kl_backward_f32"), () => backend.KlDivergenceBackward(rows, Classes, p, q, dloss, dz, dz2));
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer.Release();
        _buffers.Clear();
    }

    private DeviceBuffer Allocate(int length, DType dtype = DType.Float32)
    {
        var buffer = backend.Allocate(length, dtype);
        _buffers.Add(buffer);
        return buffer;
    }

    private DeviceBuffer Random(int length, float low, float high)
    {
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = low + (high - low) * _rng.NextSingle();
        var buffer = Allocate(length);
        backend.Upload(data, buffer);
        return buffer;
    }

    private DeviceBuffer Labels(int rows)
    {
        var data = new int[rows];
        for (int i = 0; i < rows; i++) data[i] = _rng.Next(Classes);
        var buffer = Allocate(rows, DType.Int32);
        backend.Upload(data, buffer);
        return buffer;
    }
}
