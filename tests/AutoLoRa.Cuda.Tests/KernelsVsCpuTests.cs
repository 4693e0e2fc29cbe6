using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda.Runtime;

namespace AutoLoRa.Cuda.Tests;

/// <summary>
/// Every primitive that runs on our kernels, emulated, against CpuBackend on the same inputs.
/// Sizes cover a single partial block, tails (not a multiple of 256 or 32), the 1, 3 and 5 element
/// and 4k + 3 tails of the float4 streaming kernels, and more elements than the grid has threads
/// (4 SMs × 32 blocks × 256, four elements each), so the grid-stride loops wrap.
/// </summary>
[Trait("Backend", "cuda-emu")]
public sealed class KernelsVsCpuTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly CudaBackend _cuda = new(new EmulatedRuntime());

    public void Dispose()
    {
        _cuda.Dispose();
        _cpu.Dispose();
    }

    public static TheoryData<int> Lengths => [1, 3, 5, 257, 4_095, 200_003];

    public static TheoryData<int, int> RowShapes => new() { { 1, 10 }, { 37, 10 }, { 9, 1000 }, { 300, 33 } };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Elementwise_ops_match_cpu(int n)
    {
        float[] a = Data(n, 1, -2, 2), b = Data(n, 2, -2, 2);
        a[0] = 0; // sign(0) = 0, relu at 0
        Compare(n, (be, x, y, o) => be.Axpby(n, 0.5f, x, -1.5f, y, o), a, b, 1e-6f);
        Compare(n, (be, x, _, o) => be.Scale(n, 3f, x, o), a, b, 0);
        Compare(n, (be, x, y, o) => be.Multiply(n, x, y, o), a, b, 0);
        Compare(n, (be, x, _, o) => be.Relu(n, x, o), a, b, 0);
        Compare(n, (be, x, y, o) => be.ReluBackward(n, x, y, o), a, b, 0);
        Compare(n, (be, x, _, o) => be.Sign(n, x, o), a, b, 0);
        Compare(n, (be, x, _, o) => be.Clamp(n, x, -0.5f, 0.75f, o), a, b, 0);
        Compare(n, (be, x, y, o) => be.Minimum(n, x, y, o), a, b, 0);
        Compare(n, (be, x, y, o) => be.Maximum(n, x, y, o), a, b, 0);
        Compare(n, (be, x, y, o) => be.PgdStep(n, x, y, x, 2f / 255, 8f / 255, o), Data(n, 3, 0, 1), b, 0);
        Compare(n, (be, x, y, _) => be.SgdMomentumUpdate(n, x, y, Keep(be, Data(n, 4, -1, 1)), 0.1f, 0.9f, 5e-4f), a, b, 1e-6f, compareInput: true);
        Compare(n, (be, x, _, o) => be.Sum(n, x, o), a, b, 1e-3f, outputLength: 1);
    }

    [Theory]
    [InlineData(2, 3, 5)]
    [InlineData(3, 70, 49)]
    [InlineData(1, 5, 1)]
    public void Bias_and_global_pooling_match_cpu(int outer, int channels, int inner)
    {
        int n = outer * channels * inner;
        float[] y = Data(n, 5, -1, 1), bias = Data(channels, 6, -1, 1);
        Compare(n, (be, x, bb, _) => be.AddBias(outer, channels, inner, x, bb), y, bias, 1e-6f, compareInput: true);
        Compare(n, (be, x, _, o) => be.BiasBackward(outer, channels, inner, x, o), y, bias, 1e-4f, outputLength: channels);
        Compare(n, (be, x, _, o) => be.GlobalAvgPoolForward(outer, channels, inner, x, o), y, bias, 1e-5f, outputLength: outer * channels);
        Compare(n, (be, _, _, o) => be.GlobalAvgPoolBackward(outer, channels, inner, Keep(be, Data(outer * channels, 7, -1, 1)), o), y, bias, 1e-6f);
    }

    [Theory]
    [MemberData(nameof(RowShapes))]
    public void Row_ops_and_losses_match_cpu(int rows, int classes)
    {
        int n = rows * classes;
        float[] z = Data(n, 8, -6, 6), z2 = Data(n, 9, -6, 6);
        int[] labels = Enumerable.Range(0, rows).Select(r => (r * 7) % classes).ToArray();
        Compare(n, (be, x, _, o) => be.LogSoftmax(rows, classes, x, o), z, z2, 2e-5f);
        Compare(n, (be, x, y, o) =>
        {
            var ls = Keep(be, new float[n]);
            be.LogSoftmax(rows, classes, x, ls);
            be.LogSoftmaxBackward(rows, classes, ls, y, o);
        }, z, z2, 2e-5f);
        Compare(n, (be, x, _, o) =>
        {
            var idx = Keep(be, new int[rows]);
            be.ArgMaxRows(rows, classes, x, idx);
            var host = new int[rows];
            be.Download(idx, host);
            be.Upload(host.Select(i => (float)i).ToArray(), o);
        }, z, z2, 0);
        Compare(n, (be, x, _, o) =>
        {
            var loss = Keep(be, new float[1]);
            be.SoftmaxCrossEntropyForward(rows, classes, x, Keep(be, labels), loss, o);
            be.Copy(loss, o, 1); // element 0 carries the loss, the rest the probabilities
        }, z, z2, 2e-5f);
        Compare(n, (be, x, _, o) => be.SoftmaxCrossEntropyBackward(rows, classes, Softmax(be, rows, classes, x), Keep(be, labels), Keep(be, [0.7f]), o), z, z2, 1e-6f);
        Compare(n, (be, x, y, o) =>
        {
            var loss = Keep(be, new float[1]);
            var lq = Keep(be, new float[n]);
            be.KlDivergenceForward(rows, classes, x, y, loss, o, lq);
            be.Copy(loss, o, 1);
        }, z, z2, 2e-5f);
        Compare(n, (be, x, y, o) =>
        {
            var (lp, lq) = (Keep(be, new float[n]), Keep(be, new float[n]));
            be.LogSoftmax(rows, classes, x, lp);
            be.LogSoftmax(rows, classes, y, lq);
            var dInput = Keep(be, new float[n]);
            be.KlDivergenceBackward(rows, classes, lp, lq, Keep(be, [1.3f]), o, dInput);
            be.Axpby(n, 1f, o, 0.25f, dInput, o); // check both gradients at once
        }, z, z2, 1e-5f);
    }

    [Fact]
    public void Lora_merge_and_backward_match_cpu()
    {
        const int outRows = 24, rank = 8, inCols = 27;
        float[] w = Data(outRows * inCols, 10, -1, 1), bMat = Data(outRows * rank, 11, -1, 1), aMat = Data(rank * inCols, 12, -1, 1);
        Compare(outRows * inCols, (be, x, _, o) => LoraGemm.Merge(be, outRows, rank, inCols, x, Keep(be, bMat), Keep(be, aMat), 0.125f, o), w, w, 1e-5f);
        Compare(rank * inCols, (be, _, _, o) => LoraGemm.Backward(be, outRows, rank, inCols, Keep(be, w), Keep(be, bMat), Keep(be, aMat), 0.125f, null, o), w, w, 1e-5f);
        Compare(outRows * rank, (be, _, _, o) => LoraGemm.Backward(be, outRows, rank, inCols, Keep(be, w), Keep(be, bMat), Keep(be, aMat), 0.125f, o, null), w, w, 1e-5f);
    }

    [Fact]
    public void Bad_label_is_reported_at_the_next_synchronisation()
    {
        var loss = Keep(_cuda, new float[1]);
        var p = Keep(_cuda, new float[6]);
        _cuda.SoftmaxCrossEntropyForward(2, 3, Keep(_cuda, new float[6]), Keep(_cuda, new[] { 0, 3 }), loss, p);
        var e = Assert.Throws<BackendException>(() => _cuda.Synchronize());
        Assert.Contains("label", e.Message);
        _cuda.Synchronize(); // the flag was cleared
    }

    [Theory]
    [InlineData(2, 3, 32, 32, 224, 224)] // CIFAR to the ImageNet stem's size: more outputs than grid threads
    [InlineData(3, 2, 17, 9, 5, 13)] // down in one axis, up in the other, odd sizes
    public void Bilinear_resize_matches_cpu(int n, int c, int h, int w, int outH, int outW)
    {
        var g = new ResizeGeometry(n, c, h, w, outH, outW);
        float[] x = Data(g.InputSize, 8, 0, 1), dy = Data(g.OutputSize, 9, -1, 1), unused = new float[1];
        Compare(g.OutputSize, (be, a, _, o) => be.ResizeBilinearForward(g, a, o), x, unused, 1e-6f);
        Compare(g.InputSize, (be, a, _, o) => be.ResizeBilinearBackward(g, a, o), dy, unused, 1e-5f);
    }

    private readonly List<DeviceBuffer> _kept = [];

    private DeviceBuffer Keep(Backend backend, float[] data)
    {
        var buffer = backend.Allocate(data.Length);
        backend.Upload(data, buffer);
        _kept.Add(buffer);
        return buffer;
    }

    private DeviceBuffer Keep(Backend backend, int[] data)
    {
        var buffer = backend.Allocate(data.Length, DType.Int32);
        backend.Upload(data, buffer);
        _kept.Add(buffer);
        return buffer;
    }

    private DeviceBuffer Softmax(Backend backend, int rows, int classes, DeviceBuffer z)
    {
        var p = Keep(backend, new float[rows * classes]);
        backend.SoftmaxCrossEntropyForward(rows, classes, z, Keep(backend, new int[rows]), Keep(backend, new float[1]), p);
        return p;
    }

    /// <summary>Runs op(backend, a, b, out) on both backends; compares out (or a, for in-place ops) within atol + atol·|x|.</summary>
    private void Compare(int n, Action<Backend, DeviceBuffer, DeviceBuffer, DeviceBuffer> op, float[] a, float[] b, float tolerance,
        bool compareInput = false, int? outputLength = null)
    {
        float[] Run(Backend backend)
        {
            var (ba, bb, bo) = (Keep(backend, a), Keep(backend, b), Keep(backend, Enumerable.Repeat(float.NaN, n).ToArray()));
            op(backend, ba, bb, bo);
            var result = new float[outputLength ?? n];
            backend.Download(compareInput ? ba : bo, result);
            return result;
        }
        float[] expected = Run(_cpu), actual = Run(_cuda);
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            Assert.True(diff <= tolerance * (1 + MathF.Abs(expected[i])) || expected[i].Equals(actual[i]),
                $"{op.Method.Name} n={n} element {i}: cpu {expected[i]}, cuda-emu {actual[i]}");
        }
    }

    private static float[] Data(int n, int seed, float lo, float hi)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => lo + (hi - lo) * random.NextSingle()).ToArray();
    }
}
