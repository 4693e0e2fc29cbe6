namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>2-D convolution of x (N, C, H, W) with w (K, C, R, S), square stride and zero padding, optional bias (K).</summary>
    public static Tensor Conv2d(Tensor x, Tensor w, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        const string op = "conv2d";
        var backend = bias is null ? SameBackend(op, x, w) : SameBackend(op, x, w, bias);
        RequireRank(op, x, 4, "(N, C, H, W)");
        RequireRank(op, w, 4, "(K, C, R, S)");
        if (w.Shape[1] != x.Shape[1])
        {
            throw new ArgumentException($"{op}: input {x.Describe()} has {x.Shape[1]} channels but weight {w.Describe()} expects {w.Shape[1]}.");
        }
        if (bias is not null && (bias.Shape.Rank != 1 || bias.Shape[0] != w.Shape[0]))
        {
            throw new ArgumentException($"{op}: bias {bias.Describe()} must have shape [{w.Shape[0]}].");
        }
        var g = new ConvGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0], w.Shape[2], w.Shape[3],
            stride, stride, padding, padding);
        g.Validate();

        var y = Tensor.Empty(backend, new Shape(g.N, g.K, g.OutH, g.OutW));
        backend.Conv2dForward(g, x.Buffer, w.Buffer, bias?.Buffer, y.Buffer);
        return bias is null
            ? GradMode.Record(y, op, [x, w], new Conv2dBackward(g), rectifiedOutput: false)
            : GradMode.Record(y, op, [x, w, bias], new Conv2dBackward(g), rectifiedOutput: false);
    }

    /// <summary>y = x · wᵀ + bias for x (N, In), w (Out, In) as PyTorch's Linear stores it, bias (Out).</summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? bias = null)
    {
        const string op = "linear";
        var backend = bias is null ? SameBackend(op, x, w) : SameBackend(op, x, w, bias);
        RequireRank(op, x, 2, "(N, In)");
        RequireRank(op, w, 2, "(Out, In)");
        int n = x.Shape[0], inF = x.Shape[1], outF = w.Shape[0];
        if (w.Shape[1] != inF) throw new ArgumentException($"{op}: input {x.Describe()} has {inF} features but weight {w.Describe()} expects {w.Shape[1]}.");
        if (bias is not null && (bias.Shape.Rank != 1 || bias.Shape[0] != outF))
        {
            throw new ArgumentException($"{op}: bias {bias.Describe()} must have shape [{outF}].");
        }

        var y = Tensor.Empty(backend, new Shape(n, outF));
        if (bias is null) backend.Gemm(false, true, n, outF, inF, 1f, x.Buffer, inF, w.Buffer, inF, 0f, y.Buffer, outF);
        else backend.LinearForward(n, inF, outF, x.Buffer, w.Buffer, bias.Buffer, y.Buffer);
        return bias is null
            ? GradMode.Record(y, op, [x, w], default(LinearBackward))
            : GradMode.Record(y, op, [x, w, bias], default(LinearBackward));
    }

    /// <summary>
    /// The LoRA-merged weight W + scale · reshape(B @ A) for W of any shape whose element count is
    /// B's rows times A's columns (a conv weight (K, C, R, S) with B (K·R', r·k) and A (r·k, C·S')).
    /// </summary>
    public static Tensor LoraMerge(Tensor w, Tensor b, Tensor a, float scale)
    {
        const string op = "lora_merge";
        var backend = SameBackend(op, w, b, a);
        RequireRank(op, b, 2, "(outRows, rank)");
        RequireRank(op, a, 2, "(rank, inCols)");
        int outRows = b.Shape[0], rank = b.Shape[1], inCols = a.Shape[1];
        if (a.Shape[0] != rank) throw new ArgumentException($"{op}: B {b.Describe()} and A {a.Describe()} disagree on the rank.");
        if ((long)outRows * inCols != w.ElementCount)
        {
            throw new ArgumentException($"{op}: B@A is {outRows}x{inCols} = {(long)outRows * inCols} elements but W {w.Describe()} has {w.ElementCount}.");
        }

        var merged = Tensor.Empty(backend, w.Shape);
        LoraGemm.Merge(backend, outRows, rank, inCols, w.Buffer, b.Buffer, a.Buffer, scale, merged.Buffer);
        return GradMode.Record(merged, op, [w, b, a], new LoraMergeBackward(scale));
    }

    /// <summary>
    /// dx = conv_backward_data(dy; w), dw = conv_backward_filter(x, dy), dbias = Σ dy; inputs (x, w[, bias]).
    /// Where x is a ReLU's output and the engine allows it, dx carries x's mask (<see cref="ReluMasks"/>).
    /// </summary>
    private readonly struct Conv2dBackward(ConvGeometry g) : IReluMaskingRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads, ReluMasks masks)
        {
            Tensor x = inputs[0], w = inputs[1];
            var backend = x.Backend;
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                if (masks.MayMask(0))
                {
                    // x is a ReLU's output: its mask goes into dx's output stage, and the ReLU's own pass is skipped.
                    backend.Conv2dBackwardDataFused(g, gy.Buffer, w.Buffer, null, x.Buffer, grads[0]!.Buffer);
                    masks.Masked(0);
                }
                else
                {
                    backend.Conv2dBackwardData(g, gy.Buffer, w.Buffer, grads[0]!.Buffer);
                }
            }
            if (needs[1])
            {
                grads[1] = Tensor.Empty(backend, w.Shape);
                backend.Conv2dBackwardFilter(g, x.Buffer, gy.Buffer, grads[1]!.Buffer);
            }
            if (inputs.Length > 2 && needs[2])
            {
                grads[2] = Tensor.Empty(backend, inputs[2].Shape);
                backend.BiasBackward(g.N, g.K, g.OutH * g.OutW, gy.Buffer, grads[2]!.Buffer);
            }
        }
    }

    /// <summary>dx = dy · w, dw = dyᵀ · x, dbias = Σ_rows dy; inputs (x, w[, bias]).</summary>
    private readonly struct LinearBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], w = inputs[1];
            var backend = x.Backend;
            int n = x.Shape[0], inF = x.Shape[1], outF = w.Shape[0];
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                backend.Gemm(false, false, n, inF, outF, 1f, gy.Buffer, outF, w.Buffer, inF, 0f, grads[0]!.Buffer, inF);
            }
            if (needs[1])
            {
                grads[1] = Tensor.Empty(backend, w.Shape);
                backend.Gemm(true, false, outF, inF, n, 1f, gy.Buffer, outF, x.Buffer, inF, 0f, grads[1]!.Buffer, inF);
            }
            if (inputs.Length > 2 && needs[2])
            {
                grads[2] = Tensor.Empty(backend, inputs[2].Shape);
                backend.BiasBackward(n, outF, 1, gy.Buffer, grads[2]!.Buffer);
            }
        }
    }

    /// <summary>dW = dy; dB and dA through <see cref="LoraGemm.Backward"/>; inputs (W, B, A).</summary>
    private readonly struct LoraMergeBackward(float scale) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor b = inputs[1], a = inputs[2];
            var backend = b.Backend;
            if (needs[0]) grads[0] = gy;
            if (needs[1]) grads[1] = Tensor.Empty(backend, b.Shape);
            if (needs[2]) grads[2] = Tensor.Empty(backend, a.Shape);
            if (needs[1] || needs[2])
            {
                LoraGemm.Backward(backend, b.Shape[0], b.Shape[1], a.Shape[1], gy.Buffer, b.Buffer, a.Buffer, scale, grads[1]?.Buffer, grads[2]?.Buffer);
            }
        }
    }
}
