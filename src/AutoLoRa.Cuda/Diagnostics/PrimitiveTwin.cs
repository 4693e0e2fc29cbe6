using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Kernels;

namespace AutoLoRa.Cuda.Diagnostics;

/// <summary>Runs a primitive on both backends from identical buffers and tracks the largest deviation.</summary>
internal sealed class PrimitiveTwin(Backend candidate, Backend reference, int seed)
{
    private readonly Random _rng = new(seed);

    public SelftestOutcome Buffers()
    {
        var tally = new ComparisonTally();
        foreach (int n in StreamLengths)
        {
            var c = new ComparisonCase();
            var data = Uniform(n, -2, 2);
            int big = c.Out(n + 8, 0, $"upload at 3, copy to {n + 5} (n={n})"), filled = c.Out(n, 0, "fill");
            c.InOut(Labels(n, 1000), "int upload");
            Run(tally, c, (be, b) =>
            {
                be.Upload(data, b[big], 3);
                be.Copy(new BufferSlice(b[big], 3), new BufferSlice(b[big], n + 5), Math.Min(n, 3));
                be.Fill(b[filled], -1.25f);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Gemm()
    {
        var tally = new ComparisonTally();
        const int m = 67, n = 45, k = 33;
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                foreach (float beta in new[] { 0f, 0.5f })
                {
                    // Padded leading dimensions and offsets, as GEMM sees one image of a batch.
                    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
                    var c = new ComparisonCase();
                    int a = c.In(Uniform(5 + (ta ? k : m) * lda, -1, 1)), b = c.In(Uniform(7 + (tb ? n : k) * ldb, -1, 1));
                    int o = c.InOut(Uniform(2 + m * ldc, -1, 1), 1e-4f, $"C (ta={ta}, tb={tb}, beta={beta})");
                    Run(tally, c, (be, x) => be.Gemm(ta, tb, m, n, k, 0.75f, new BufferSlice(x[a], 5), lda,
                        new BufferSlice(x[b], 7), ldb, beta, new BufferSlice(x[o], 2), ldc));
                }
            }
        }
        return tally.Outcome();
    }

    public SelftestOutcome GemmBatched()
    {
        var tally = new ComparisonTally();
        const int m = 19, n = 21, k = 17, batch = 3;
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                long sa = m * k + 4, sb = k * n + 3, sc = m * n + 2;
                var c = new ComparisonCase();
                int a = c.In(Uniform((int)(sa * batch), -1, 1)), b = c.In(Uniform((int)(sb * batch), -1, 1));
                int o = c.InOut(Uniform((int)(sc * batch), -1, 1), 1e-4f, $"C (ta={ta}, tb={tb})");
                Run(tally, c, (be, x) => be.GemmStridedBatched(ta, tb, m, n, k, 1.25f, x[a], ta ? m : k, sa, x[b], tb ? k : n, sb,
                    0.25f, x[o], n, sc, batch));
            }
        }
        return tally.Outcome();
    }

    public SelftestOutcome Convolution()
    {
        var tally = new ComparisonTally();
        ConvGeometry[] shapes =
        [
            new(2, 3, 9, 7, 5, 3, 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1),
            new(3, 4, 5, 6, 6, 1, 1),
            new(1, 2, 8, 8, 3, 3, 3, PadH: 1, PadW: 1),
        ];
        foreach (var g in shapes)
        {
            foreach (bool withBias in new[] { false, true })
            {
                var c = new ComparisonCase();
                int x = c.In(Uniform(g.InputSize, -1, 1)), w = c.In(Uniform(g.FilterSize, -1, 1)), bias = c.In(Uniform(g.K, -1, 1));
                int dy = c.In(Uniform(g.OutputSize, -1, 1));
                int y = c.Out(g.OutputSize, 1e-4f, $"y {g.N}x{g.C}x{g.H}x{g.W} k{g.R}");
                int dx = c.Out(g.InputSize, 1e-4f, "dx"), dw = c.Out(g.FilterSize, 1e-4f, "dw");
                Run(tally, c, (be, b) =>
                {
                    be.Conv2dForward(g, b[x], b[w], withBias ? b[bias] : null, b[y]);
                    be.Conv2dBackwardData(g, b[dy], b[w], b[dx]);
                    be.Conv2dBackwardFilter(g, b[x], b[dy], b[dw]);
                });
            }
        }
        return tally.Outcome();
    }

    public SelftestOutcome BatchNorm()
    {
        var tally = new ComparisonTally();
        foreach (var (n, ch, hw) in new[] { (3, 5, 37), (8, 4, 1), (2, 16, 64) })
        {
            int count = n * ch * hw;
            var c = new ComparisonCase();
            int x = c.In(Uniform(count, -2, 3)), gamma = c.In(Uniform(ch, 0.5f, 1.5f)), beta = c.In(Uniform(ch, -0.5f, 0.5f));
            int dy = c.In(Uniform(count, -1, 1));
            int rm = c.InOut(Uniform(ch, -0.1f, 0.1f), 1e-5f, "running mean"), rv = c.InOut(Uniform(ch, 0.9f, 1.1f), 1e-5f, "running var");
            int y = c.Out(count, 1e-4f, $"y ({n}x{ch}x{hw})"), mean = c.Out(ch, 1e-5f, "saved mean"), inv = c.Out(ch, 1e-4f, "saved inv std");
            int yi = c.Out(count, 1e-5f, "y (inference)");
            int dx = c.Out(count, 1e-4f, "dx"), dg = c.Out(ch, 1e-4f, "dgamma"), db = c.Out(ch, 1e-4f, "dbeta");
            Run(tally, c, (be, b) =>
            {
                be.BatchNormForwardTraining(n, ch, hw, b[x], b[gamma], b[beta], b[y], b[rm], b[rv], 0.1f, 1e-5f, b[mean], b[inv]);
                be.BatchNormForwardInference(n, ch, hw, b[x], b[gamma], b[beta], b[rm], b[rv], 1e-5f, b[yi]);
                be.BatchNormBackward(n, ch, hw, b[x], b[dy], b[gamma], b[mean], b[inv], b[dx], b[dg], b[db]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome MaxPool()
    {
        var tally = new ComparisonTally();
        foreach (var g in new PoolGeometry[] { new(2, 3, 9, 7, 3, 2, 1), new(1, 4, 8, 8, 2, 2) })
        {
            var c = new ComparisonCase();
            int x = c.In(Uniform(g.InputSize, -1, 1)), dy = c.In(Uniform(g.OutputSize, -1, 1));
            int y = c.Out(g.OutputSize, 0, $"y (k{g.Kernel}/s{g.Stride}/p{g.Pad})"), arg = c.IntOut(g.OutputSize, "argmax");
            int dx = c.Out(g.InputSize, 1e-6f, "dx");
            Run(tally, c, (be, b) =>
            {
                be.MaxPool2dForward(g, b[x], b[y], b[arg]);
                be.MaxPool2dBackward(g, b[dy], b[arg], b[dx]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome AvgPool()
    {
        var tally = new ComparisonTally();
        foreach (var g in new PoolGeometry[] { new(2, 3, 9, 7, 3, 2, 1), new(1, 4, 8, 8, 2, 2) })
        {
            var c = new ComparisonCase();
            int x = c.In(Uniform(g.InputSize, -1, 1)), dy = c.In(Uniform(g.OutputSize, -1, 1));
            int y = c.Out(g.OutputSize, 1e-6f, $"y (k{g.Kernel}/s{g.Stride}/p{g.Pad})"), dx = c.Out(g.InputSize, 1e-6f, "dx");
            Run(tally, c, (be, b) =>
            {
                be.AvgPool2dForward(g, b[x], b[y]);
                be.AvgPool2dBackward(g, b[dy], b[dx]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Resize()
    {
        var tally = new ComparisonTally();
        // Upsampling as the in-model 32 → 224 resize does, an odd non-integer ratio, and a downsample.
        foreach (var g in new ResizeGeometry[] { new(2, 3, 8, 8, 56, 56), new(1, 2, 5, 7, 9, 4), new(1, 3, 9, 9, 4, 4) })
        {
            var c = new ComparisonCase();
            int x = c.In(Uniform(g.InputSize, -1, 1)), dy = c.In(Uniform(g.OutputSize, -1, 1));
            int y = c.Out(g.OutputSize, 1e-6f, $"y ({g.H}x{g.W} -> {g.OutH}x{g.OutW})"), dx = c.Out(g.InputSize, 1e-5f, "dx");
            Run(tally, c, (be, b) =>
            {
                be.ResizeBilinearForward(g, b[x], b[y]);
                be.ResizeBilinearBackward(g, b[dy], b[dx]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Elementwise()
    {
        var tally = new ComparisonTally();
        foreach (int n in StreamLengths)
        {
            var a0 = Uniform(n, -2, 2);
            a0[0] = 0; // sign(0) = 0 and ReLU at 0
            var c = new ComparisonCase();
            int a = c.In(a0), b = c.In(Uniform(n, -2, 2));
            int axpby = c.Out(n, 1e-6f, $"axpby (n={n})"), scale = c.Out(n, 0, "scale"), mul = c.Out(n, 0, "multiply");
            int relu = c.Out(n, 0, "relu"), reluBack = c.Out(n, 0, "relu backward"), sign = c.Out(n, 0, "sign");
            int clamp = c.Out(n, 0, "clamp"), min = c.Out(n, 0, "minimum"), max = c.Out(n, 0, "maximum");
            int alias = c.InOut(Uniform(n, -2, 2), 1e-6f, "axpby in place");
            Run(tally, c, (be, x) =>
            {
                be.Axpby(n, 0.5f, x[a], -1.5f, x[b], x[axpby]);
                be.Scale(n, 3f, x[a], x[scale]);
                be.Multiply(n, x[a], x[b], x[mul]);
                be.Relu(n, x[a], x[relu]);
                be.ReluBackward(n, x[relu], x[b], x[reluBack]);
                be.Sign(n, x[a], x[sign]);
                be.Clamp(n, x[a], -0.5f, 0.75f, x[clamp]);
                be.Minimum(n, x[a], x[b], x[min]);
                be.Maximum(n, x[a], x[b], x[max]);
                be.Axpby(n, 2f, x[alias], 1f, x[b], x[alias]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Bias()
    {
        var tally = new ComparisonTally();
        foreach (var (outer, ch, inner) in new[] { (2, 3, 5), (3, 70, 49), (1, 5, 1) })
        {
            int n = outer * ch * inner;
            var c = new ComparisonCase();
            int bias = c.In(Uniform(ch, -1, 1)), dy = c.In(Uniform(n, -1, 1));
            int y = c.InOut(Uniform(n, -1, 1), 1e-6f, $"y += bias ({outer}x{ch}x{inner})"), db = c.Out(ch, 1e-5f, "dbias");
            Run(tally, c, (be, b) =>
            {
                be.AddBias(outer, ch, inner, b[y], b[bias]);
                be.BiasBackward(outer, ch, inner, b[dy], b[db]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Reductions()
    {
        var tally = new ComparisonTally();
        foreach (var (n, ch, hw) in new[] { (2, 3, 5), (3, 70, 49), (64, 1, 625) })
        {
            int count = n * ch * hw;
            var c = new ComparisonCase();
            int x = c.In(Uniform(count, -1, 1)), dy = c.In(Uniform(n * ch, -1, 1));
            int sum = c.Out(1, 1e-5f, $"sum (n={count})"), gap = c.Out(n * ch, 1e-6f, "global avg-pool"), dx = c.Out(count, 1e-6f, "global avg-pool bwd");
            Run(tally, c, (be, b) =>
            {
                be.Sum(count, b[x], b[sum]);
                be.GlobalAvgPoolForward(n, ch, hw, b[x], b[gap]);
                be.GlobalAvgPoolBackward(n, ch, hw, b[dy], b[dx]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Rows()
    {
        var tally = new ComparisonTally();
        foreach (var (rows, cols) in RowShapes)
        {
            var c = new ComparisonCase();
            int x = c.In(Uniform(rows * cols, -8, 8)), dy = c.In(Uniform(rows * cols, -1, 1));
            int y = c.Out(rows * cols, 1e-5f, $"log-softmax ({rows}x{cols})"), dx = c.Out(rows * cols, 1e-5f, "log-softmax bwd");
            int arg = c.IntOut(rows, "argmax rows");
            Run(tally, c, (be, b) =>
            {
                be.LogSoftmax(rows, cols, b[x], b[y]);
                be.LogSoftmaxBackward(rows, cols, b[y], b[dy], b[dx]);
                be.ArgMaxRows(rows, cols, b[x], b[arg]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome CrossEntropy()
    {
        var tally = new ComparisonTally();
        foreach (var (rows, cols) in RowShapes)
        {
            var c = new ComparisonCase();
            int logits = c.In(Uniform(rows * cols, -6, 6)), labels = c.In(Labels(rows, cols)), dloss = c.In([1.3f]);
            int loss = c.Out(1, 1e-5f, $"loss ({rows}x{cols})"), prob = c.Out(rows * cols, 1e-6f, "probabilities");
            int dlogits = c.Out(rows * cols, 1e-6f, "dlogits");
            Run(tally, c, (be, b) =>
            {
                be.SoftmaxCrossEntropyForward(rows, cols, b[logits], b[labels], b[loss], b[prob]);
                be.SoftmaxCrossEntropyBackward(rows, cols, b[prob], b[labels], b[dloss], b[dlogits]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Kl()
    {
        var tally = new ComparisonTally();
        foreach (var (rows, cols) in RowShapes)
        {
            var c = new ComparisonCase();
            int target = c.In(Uniform(rows * cols, -4, 4)), input = c.In(Uniform(rows * cols, -4, 4)), dloss = c.In([0.7f]);
            int loss = c.Out(1, 1e-5f, $"loss ({rows}x{cols})"), logP = c.Out(rows * cols, 1e-5f, "log p"), logQ = c.Out(rows * cols, 1e-5f, "log q");
            int dt = c.Out(rows * cols, 1e-6f, "dtarget"), di = c.Out(rows * cols, 1e-6f, "dinput");
            int dtOnly = c.Out(rows * cols, 1e-6f, "dtarget alone"), diOnly = c.Out(rows * cols, 1e-6f, "dinput alone");
            Run(tally, c, (be, b) =>
            {
                be.KlDivergenceForward(rows, cols, b[target], b[input], b[loss], b[logP], b[logQ]);
                be.KlDivergenceBackward(rows, cols, b[logP], b[logQ], b[dloss], b[dt], b[di]);
                be.KlDivergenceBackward(rows, cols, b[logP], b[logQ], b[dloss], b[dtOnly], null);
                be.KlDivergenceBackward(rows, cols, b[logP], b[logQ], b[dloss], null, b[diOnly]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Lora()
    {
        var tally = new ComparisonTally();
        // (Cout·k) × (r·k) times (r·k) × (Cin·k) for k = 3: conv 8←3, rank 2; and a linear-sized case.
        foreach (var (outRows, rank, inCols) in new[] { (24, 6, 27), (10, 1, 64), (96, 24, 288) })
        {
            var c = new ComparisonCase();
            int w = c.In(Uniform(outRows * inCols, -1, 1)), bm = c.In(Uniform(outRows * rank, -1, 1)), am = c.In(Uniform(rank * inCols, -1, 1));
            int dw = c.In(Uniform(outRows * inCols, -1, 1));
            int merged = c.Out(outRows * inCols, 1e-5f, $"merged W ({outRows}x{rank}x{inCols})");
            int dB = c.Out(outRows * rank, 1e-4f, "dB"), dA = c.Out(rank * inCols, 1e-4f, "dA");
            int dBOnly = c.Out(outRows * rank, 1e-4f, "dB alone"), dAOnly = c.Out(rank * inCols, 1e-4f, "dA alone");
            float s = 1f / rank;
            Run(tally, c, (be, b) =>
            {
                LoraGemm.Merge(be, outRows, rank, inCols, b[w], b[bm], b[am], s, b[merged]);
                LoraGemm.Backward(be, outRows, rank, inCols, b[dw], b[bm], b[am], s, b[dB], b[dA]);
                LoraGemm.Backward(be, outRows, rank, inCols, b[dw], b[bm], b[am], s, b[dBOnly], null);
                LoraGemm.Backward(be, outRows, rank, inCols, b[dw], b[bm], b[am], s, null, b[dAOnly]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Pgd()
    {
        var tally = new ComparisonTally();
        foreach (int n in StreamLengths)
        {
            var grad = Uniform(n, -1, 1);
            for (int i = 0; i < n; i += 7) grad[i] = 0; // sign(0) = 0: no move
            var c = new ComparisonCase();
            int x0 = c.In(Uniform(n, 0, 1)), g = c.In(grad);
            int x = c.InOut(Uniform(n, 0, 1), 1e-6f, $"x' in place (n={n})"), o = c.Out(n, 1e-6f, "x'");
            Run(tally, c, (be, b) =>
            {
                be.PgdStep(n, b[x], b[g], b[x0], 2f / 255, 8f / 255, b[o]);
                be.PgdStep(n, b[x], b[g], b[x0], 2f / 255, 8f / 255, b[x]);
            });
        }
        return tally.Outcome();
    }

    public SelftestOutcome Sgd()
    {
        var tally = new ComparisonTally();
        foreach (int n in StreamLengths)
        {
            var c = new ComparisonCase();
            int g = c.In(Uniform(n, -1, 1));
            int p = c.InOut(Uniform(n, -1, 1), 1e-6f, $"param (n={n})"), v = c.InOut(Uniform(n, -1, 1), 1e-6f, "velocity");
            Run(tally, c, (be, b) =>
            {
                be.SgdMomentumUpdate(n, b[p], b[g], b[v], 0.1f, 0.9f, 5e-4f);
                be.SgdMomentumUpdate(n, b[p], b[g], b[v], 0.05f, 0.9f, 0f);
            });
        }
        return tally.Outcome();
    }

    /// <summary>
    /// Lengths for the streaming kernels (float4 quads plus scalar tails): one element, a tail of 3
    /// (4095 = 4·1023 + 3, four full blocks of quads), a tail of 1, and more quads than the grid has threads.
    /// </summary>
    private static readonly int[] StreamLengths = [1, 3, 257, 4_095, 40_001];

    private static readonly (int Rows, int Cols)[] RowShapes = [(1, 10), (37, 10), (9, 1000), (300, 33)];

    private float[] Uniform(int count, float low, float high)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = low + (high - low) * (float)_rng.NextDouble();
        return data;
    }

    private int[] Labels(int count, int classes)
    {
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = _rng.Next(classes);
        return labels;
    }

    /// <summary>Uploads the case's buffers to each backend, runs the op there, and compares what it checks.</summary>
    private void Run(ComparisonTally tally, ComparisonCase c, Action<Backend, DeviceBuffer[]> op)
    {
        var results = new Array[2][];
        int slot = 0;
        foreach (var backend in new[] { candidate, reference })
        {
            var buffers = new DeviceBuffer[c.Data.Count];
            try
            {
                for (int i = 0; i < buffers.Length; i++)
                {
                    switch (c.Data[i])
                    {
                        case float[] f:
                            buffers[i] = backend.Allocate(f.Length);
                            backend.Upload(f, buffers[i]);
                            break;
                        case int[] n:
                            buffers[i] = backend.Allocate(n.Length, DType.Int32);
                            backend.Upload(n, buffers[i]);
                            break;
                    }
                }
                op(backend, buffers);
                backend.Synchronize();
                results[slot] = c.Checked.Select(k => Read(backend, buffers[k.Index], c.Data[k.Index])).ToArray();
            }
            finally
            {
                foreach (var b in buffers) b?.Release();
            }
            slot++;
        }
        for (int i = 0; i < c.Checked.Count; i++) tally.Add(c.Checked[i].Label, c.Checked[i].Tolerance, results[0][i], results[1][i]);
    }

    private static Array Read(Backend backend, DeviceBuffer buffer, Array like)
    {
        if (like is int[] ints)
        {
            var host = new int[ints.Length];
            backend.Download(buffer, host);
            return host;
        }
        var floats = new float[like.Length];
        backend.Download(buffer, floats);
        return floats;
    }
}
