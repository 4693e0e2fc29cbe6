using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// Convolution and batch-norm against the direct double-precision loops of
/// <see cref="ConvReference"/> and <see cref="BatchNormReference"/>, which share no code (or
/// mistakes) with any backend's lowering.
/// </summary>
public static class DenseReferenceCases
{
    /// <summary>Geometries that each stress one path of a convolution implementation (see the comments).</summary>
    public static readonly ConvGeometry[] Convolutions =
    [
        new(3, 5, 9, 7, 4, 3, 3, 1, 1, 1, 1), // odd, rectangular, batch 3, pad 1
        new(1, 1, 8, 8, 2, 3, 3, 1, 1, 1, 1), // C = 1, batch 1
        new(3, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1), // stride 2, odd input
        new(1, 3, 16, 16, 8, 7, 7, 2, 2, 3, 3), // the ImageNet-style 7×7/2 stem
        new(3, 6, 8, 8, 5, 1, 1, 1, 1, 0, 0), // 1×1 stride 1: the direct path
        new(3, 6, 9, 8, 5, 1, 1, 2, 2, 0, 0), // 1×1 stride 2: the downsample shortcut
        new(2, 3, 7, 10, 4, 3, 2, 2, 1, 2, 0), // R ≠ S, mixed strides and pads
        new(1, 2, 5, 5, 3, 5, 5, 1, 1, 2, 2), // kernel as large as the input
        new(2, 2, 4, 4, 3, 3, 3, 1, 1, 3, 3), // windows entirely inside the padding
        new(5, 3, 6, 5, 4, 3, 3, 1, 1, 1, 1), // batch not a multiple of the worker count
    ];

    /// <summary>(n, c, hw, input offset): a large mean with a small spread stresses the variance.</summary>
    public static readonly (int N, int C, int Hw, float Offset)[] BatchNorms =
    [
        (3, 4, 35, 0f), (1, 1, 9, 0f) /* M = 9 */, (2, 3, 1, 0f) /* hw = 1 after global pooling: M = n */,
        (4, 16, 1024, 0f) /* large enough to split over channels */, (3, 2, 50, 100f),
    ];

    /// <summary>Batch-norm's normalised outputs: not a dot product (a variance and 1/√(var + ε) compound), so a reasoned bound.</summary>
    private static readonly Tolerance Normalized = new(1e-4, 1e-5, "a mean and variance over M = n·hw values and a reciprocal square root, in float against double");

    /// <summary>
    /// Forward without and with bias, backward-data and backward-filter; then both backward calls
    /// twice on the same outputs, which must give the same answer (every primitive overwrites).
    /// </summary>
    public static PrimitiveCase Convolution(ConvGeometry g)
    {
        float[] x = new SeededData(1).Uniform(g.InputSize), wt = new SeededData(2).Uniform(g.FilterSize);
        float[] bias = new SeededData(3).Uniform(g.K), dy = new SeededData(4).Uniform(g.OutputSize);
        var c = new CaseBuffers();
        int bx = c.In(x), bw = c.In(wt), bb = c.In(bias), bdy = c.In(dy);
        // Each direction's bound is derived from its own sum length and its own data: C·R·S products
        // (and the bias) per output, at most K·R·S per input gradient, N·OH·OW per filter gradient;
        // under TF32 it grows with the same lengths (inputs in [-1, 1)).
        long forwardTerms = g.C * g.R * g.S, dataTerms = g.K * g.R * g.S, filterTerms = (long)g.N * g.OutH * g.OutW;
        var (forwardSum, dataSum, filterSum) = SummationBound.ConvMagnitudes(g, x, wt, bias, dy);
        Tolerance forward = SummationBound.AgainstDouble(forwardTerms + 1, forwardSum, $"Σ of C·R·S = {forwardTerms} products + bias")
            .WithTf32Products(forwardTerms);
        Tolerance data = SummationBound.AgainstDouble(dataTerms, dataSum, $"Σ of at most K·R·S = {dataTerms} products").WithTf32Products(dataTerms);
        Tolerance filter = SummationBound.AgainstDouble(filterTerms, filterSum, $"Σ of N·OH·OW = {filterTerms} products").WithTf32Products(filterTerms);
        int y = c.Out(g.OutputSize, forward, "forward"), yb = c.Out(g.OutputSize, forward, "forward+bias");
        int dx = c.Out(g.InputSize, data, "backward data"), dw = c.Out(g.FilterSize, filter, "backward filter");
        int dx2 = c.Out(g.InputSize, data, "backward data again"), dw2 = c.Out(g.FilterSize, filter, "backward filter again");
        return new()
        {
            Family = "conv2d vs reference", Name = $"conv2d {g}", Shape = $"{g}", Buffers = c,
            Run = (be, b) =>
            {
                be.Conv2dForward(g, b[bx], b[bw], null, b[y]);
                be.Conv2dForward(g, b[bx], b[bw], b[bb], b[yb]);
                be.Conv2dBackwardData(g, b[bdy], b[bw], b[dx]);
                be.Conv2dBackwardFilter(g, b[bx], b[bdy], b[dw]);
                for (int i = 0; i < 2; i++)
                {
                    be.Conv2dBackwardData(g, b[bdy], b[bw], b[dx2]);
                    be.Conv2dBackwardFilter(g, b[bx], b[bdy], b[dw2]);
                }
            },
            HostReference = _ =>
            {
                var dxRef = ConvReference.BackwardData(g, dy, wt);
                var dwRef = ConvReference.BackwardFilter(g, x, dy);
                return [ConvReference.Forward(g, x, wt, null), ConvReference.Forward(g, x, wt, bias), dxRef, dwRef, dxRef, dwRef];
            },
            Cost = CaseCost.Library(3L * (g.InputSize + g.FilterSize + g.OutputSize), 3 * 2L * g.OutputSize * g.C * g.R * g.S),
        };
    }

    /// <summary>Training forward (saved statistics, running statistics with momentum 0.1) and backward.</summary>
    public static PrimitiveCase BatchNormTraining(int n, int c, int hw, float offset)
    {
        const float momentum = 0.1f, eps = 1e-5f;
        float spread = offset == 0 ? 1f : 0.05f;
        float[] x = new SeededData(31).Uniform(n * c * hw, offset - spread, offset + spread);
        float[] gamma = new SeededData(32).Uniform(c, 0.5f, 1.5f), beta = new SeededData(33).Uniform(c);
        float[] rm = new SeededData(34).Uniform(c), rv = new SeededData(35).Uniform(c, 0.5f, 1.5f);
        float[] dy = new SeededData(36).Uniform(n * c * hw);
        var statistic = SummationBound.Reasoned(new Tolerance(1e-5, 1e-6, "a mean over M = n·hw values, in float against double"),
            n * hw, Math.Max(Math.Abs(offset - spread), Math.Abs(offset + spread)) / (n * hw),
            "for the mean's terms x/M (half of it against double); the running statistics pass it through a momentum update, and the variance's squares compound it, so the reasoned bound is kept");
        var cb = new CaseBuffers();
        int bx = cb.In(x), bg = cb.In(gamma), bbeta = cb.In(beta), bdy = cb.In(dy);
        int brm = cb.InOut(rm, statistic, "runningMean"), brv = cb.InOut(rv, new(1e-4, 1e-6, "the unbiased variance: a sum of squares"), "runningVar");
        int by = cb.Out(x.Length, Normalized, "y"), mean = cb.Out(c, statistic, "saveMean"), inv = cb.Out(c, Normalized, "saveInvStd");
        // The backward primitive gets the saved mean as float, as cuDNN's savedMean is: its rounding
        // δ ≤ |offset|·2⁻²⁴ shifts x̂ by ε = δ/σ for a whole channel (1/σ = √3/spread for uniform x).
        // With |dy| ≤ 1, |x̂| ≤ √3 and γ ≤ 1.5 that moves dγ by at most ε·M and dx by at most
        // 2√3·γ·ε/σ. A backend that re-derives the mean in double (CPU, the emulator) stays far inside;
        // cuDNN, which uses the saved mean as given, needs the margin. A naive E[x²] − E[x]² variance is
        // still caught: it is off by tens of percent here.
        double invSigma = Math.Sqrt(3) / spread, shift = Math.Abs(offset) * Math.Pow(2, -24) * invSigma;
        // dx carries a factor 1/σ (about 35 in the offset case).
        int dx = cb.Out(x.Length, new(1e-4, (offset == 0 ? 1e-5 : 1e-4) + 2 * Math.Sqrt(3) * 1.5 * invSigma * shift,
            "dx carries 1/σ, about 35 when the spread is small, and the float saved mean's shift of x̂"), "dx");
        var channelSum = new Tolerance(1e-4, 1e-4, "a sum over M = n·hw gradients");
        int dg = cb.Out(c, new(1e-4, 1e-4 + shift * n * hw, "a sum over M = n·hw gradients times x̂, shifted by the float saved mean"), "dgamma");
        int db = cb.Out(c, channelSum, "dbeta");
        return new()
        {
            Family = "batch-norm vs reference", Name = $"batchnorm training n={n} c={c} hw={hw} offset={offset}", Shape = $"{n}×{c}×{hw}", Buffers = cb,
            Run = (be, b) =>
            {
                be.BatchNormForwardTraining(n, c, hw, b[bx], b[bg], b[bbeta], b[by], b[brm], b[brv], momentum, eps, b[mean], b[inv]);
                be.BatchNormBackward(n, c, hw, b[bx], b[bdy], b[bg], b[mean], b[inv], b[dx], b[dg], b[db]);
            },
            HostReference = _ =>
            {
                var e = BatchNormReference.ForwardTraining(n, c, hw, x, gamma, beta, rm, rv, momentum, eps);
                var (edx, edgamma, edbeta) = BatchNormReference.Backward(n, c, hw, x, dy, gamma, eps);
                return [e.RunningMean, e.RunningVar, e.Y, e.Mean, e.InvStd, edx, edgamma, edbeta];
            },
        };
    }

    /// <summary>Inference forward from the running statistics, which it must leave alone.</summary>
    public static PrimitiveCase BatchNormInference(int n, int c, int hw)
    {
        const float eps = 1e-5f;
        float[] x = new SeededData(41).Uniform(n * c * hw, -2, 2);
        float[] gamma = new SeededData(42).Uniform(c, 0.5f, 1.5f), beta = new SeededData(43).Uniform(c);
        float[] rm = new SeededData(44).Uniform(c), rv = new SeededData(45).Uniform(c, 0.2f, 2f);
        var untouched = Tolerance.Exact("eval mode reads the running statistics and writes nothing to them");
        var cb = new CaseBuffers();
        int bx = cb.In(x), bg = cb.In(gamma), bbeta = cb.In(beta);
        int brm = cb.InOut(rm, untouched, "running mean"), brv = cb.InOut(rv, untouched, "running var");
        int y = cb.Out(x.Length, new(1e-5, 1e-5, "(x − mean)·γ/√(var + ε) + β per element"), "y");
        return new()
        {
            Family = "batch-norm vs reference", Name = $"batchnorm inference n={n} c={c} hw={hw}", Shape = $"{n}×{c}×{hw}", Buffers = cb,
            Run = (be, b) => be.BatchNormForwardInference(n, c, hw, b[bx], b[bg], b[bbeta], b[brm], b[brv], eps, b[y]),
            HostReference = _ => [rm, rv, BatchNormReference.ForwardInference(n, c, hw, x, gamma, beta, rm, rv, eps)],
        };
    }

    /// <summary>
    /// The convolution's and batch-norm's backward rules, alone, fused, and composed into a residual
    /// block. Convolutions: (n, c, h, w, k, r, stride, pad, bias), the last one large enough for the CPU
    /// backend's Winograd F(4×4, 3×3) path, forward and data gradient.
    /// </summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "dense";
        (int N, int C, int H, int W, int K, int R, int Stride, int Pad, bool Bias)[] convolutions =
        [
            (2, 3, 7, 6, 4, 3, 1, 1, true), (1, 2, 8, 9, 3, 3, 2, 1, false), (3, 1, 5, 5, 2, 1, 1, 0, true),
            (2, 3, 6, 7, 5, 1, 2, 0, false), (1, 2, 11, 9, 3, 7, 2, 3, false), (2, 2, 5, 5, 2, 3, 3, 0, true),
            (2, 16, 4, 8, 16, 3, 1, 1, true),
        ];
        foreach (var g in convolutions)
        {
            // A convolution is linear in each input element, so a central difference has no truncation
            // error at any step, while the float rounding of the loss (and of the outputs the element
            // touches, summed in the order the chosen algorithm takes) is divided by the step: 0.05
            // instead of the default 0.002. The 16-channel case's loss sums 1,024 outputs; at the
            // default step its rounding alone reached 1.7× the tolerance under some autotuned
            // algorithm choices (forward GEMM, data gradient Winograd), though each algorithm matches
            // the reference (ConvAutotuneTests).
            yield return new GradientCase
            {
                Family = family, Name = $"conv2d {g.N}x{g.C}x{g.H}x{g.W} k{g.K} r{g.R} s{g.Stride} p{g.Pad}{(g.Bias ? " bias" : "")}", Step = 5e-2f,
                Build = b => new(g.Bias
                    ? [Uniform(b, new Shape(g.N, g.C, g.H, g.W), 1), Uniform(b, new Shape(g.K, g.C, g.R, g.R), 2), Uniform(b, new Shape(g.K), 3)]
                    : [Uniform(b, new Shape(g.N, g.C, g.H, g.W), 1), Uniform(b, new Shape(g.K, g.C, g.R, g.R), 2)],
                    t => Ops.Conv2d(t[0], t[1], g.Bias ? t[2] : null, g.Stride, g.Pad)),
            };
        }
        foreach (bool training in new[] { true, false })
        {
            yield return new()
            {
                Family = family, Name = $"batch_norm2d 3x4x3x5 {(training ? "training" : "eval")}",
                Build = b =>
                {
                    var mean = Tensor.FromArray(b, [0.1f, -0.2f, 0.3f, 0f], new Shape(4));
                    var variance = Tensor.FromArray(b, [0.5f, 1.5f, 2f, 0.8f], new Shape(4));
                    return new([Uniform(b, new Shape(3, 4, 3, 5), 1, -2f, 3f), Uniform(b, new Shape(4), 2, 0.5f, 1.5f), Uniform(b, new Shape(4), 3)],
                        t => Ops.BatchNorm2d(t[0], t[1], t[2], mean, variance, training));
                },
            };
        }
        (int N, int C, int H, int W, int K, int R, int Stride, int Pad)[] fused = [(2, 3, 6, 5, 4, 3, 1, 1), (2, 2, 7, 7, 3, 1, 2, 0)];
        foreach (var g in fused)
        {
            yield return new()
            {
                Family = family, Name = $"conv2d_batch_norm_eval {g.N}x{g.C}x{g.H}x{g.W} k{g.K} r{g.R} s{g.Stride} p{g.Pad}",
                Build = b =>
                {
                    var mean = Uniform(b, new Shape(g.K), 5);
                    var variance = Uniform(b, new Shape(g.K), 6, 0.5f, 2f);
                    return new([Uniform(b, new Shape(g.N, g.C, g.H, g.W), 1), Uniform(b, new Shape(g.K, g.C, g.R, g.R), 2),
                            Uniform(b, new Shape(g.K), 3, 0.5f, 1.5f), Uniform(b, new Shape(g.K), 4)],
                        t => Ops.Conv2dBatchNormEval(t[0], t[1], t[2], t[3], mean, variance, g.Stride, g.Pad));
                },
            };
        }
        yield return new()
        {
            Family = family, Name = "conv2d_batch_norm_relu_eval 2x3x6x5 k4 r3 s1 p1",
            Build = b =>
            {
                var mean = Uniform(b, new Shape(4), 5);
                var variance = Uniform(b, new Shape(4), 6, 0.5f, 2f);
                return new([Uniform(b, new Shape(2, 3, 6, 5), 1), Uniform(b, new Shape(4, 3, 3, 3), 2),
                        Uniform(b, new Shape(4), 3, 0.5f, 1.5f), Uniform(b, new Shape(4), 4)],
                    t => Ops.Conv2dBatchNormReluEval(t[0], ConvBatchNormEval.Fold(t[1], t[2], t[3], mean, variance, 1, 1)));
            },
        };
        yield return ResidualBlock();
        yield return ResidualBlockEval(projection: false);
        yield return ResidualBlockEval(projection: true);
        yield return StemAndResidualBlockEval();
    }

    /// <summary>
    /// The eval-mode stem and a block after it, as an attack chains them: the block applies the
    /// stem's ReLU mask in the output stage that writes its dx, and the stem's rule skips its own
    /// (<see cref="Core.Autograd.ReluMasks"/>), so the one op's case alone would not reach that path.
    /// Two ops deep, with the composition's tolerances.
    /// </summary>
    private static GradientCase StemAndResidualBlockEval() => new()
    {
        Family = "dense", Name = "conv2d_batch_norm_relu_eval then residual_block_eval 2x3x5x6", RelativeTolerance = 3e-2f, AbsoluteTolerance = 3e-3f,
        Build = b =>
        {
            var mean = Uniform(b, new Shape(3), 7);
            var variance = Uniform(b, new Shape(3), 8, 0.5f, 2f);
            Tensor[] inputs =
            [
                Uniform(b, new Shape(2, 3, 5, 6), 1),
                Uniform(b, new Shape(3, 3, 3, 3), 2), Uniform(b, new Shape(3), 3, 0.5f, 1.5f), Uniform(b, new Shape(3), 4),
                Uniform(b, new Shape(3, 3, 3, 3), 5), Uniform(b, new Shape(3), 6, 0.5f, 1.5f), Uniform(b, new Shape(3), 9),
                Uniform(b, new Shape(3, 3, 3, 3), 10), Uniform(b, new Shape(3), 11, 0.5f, 1.5f), Uniform(b, new Shape(3), 12),
            ];
            return new(inputs, t => Ops.ResidualBlockEval(
                Ops.Conv2dBatchNormReluEval(t[0], ConvBatchNormEval.Fold(t[1], t[2], t[3], mean, variance, 1, 1)),
                ConvBatchNormEval.Fold(t[4], t[5], t[6], mean, variance, 1, 1), ConvBatchNormEval.Fold(t[7], t[8], t[9], mean, variance, 1, 1)));
        },
    };

    /// <summary>
    /// The eval-mode block op (ReLUs, residual add and their gradients fused into the convolutions'
    /// output stages), with the identity shortcut, or with a projection (1×1, stride 2, 3 → 4
    /// channels, the first convolution strided alike) whose data gradient is the addend of dx's
    /// output stage: every input's gradient, each w and batch-norm affine through the fold
    /// included. Pre-activations are spread over [-1, 1] by the uniform data, so few lie within
    /// the step of a ReLU's kink.
    /// </summary>
    private static GradientCase ResidualBlockEval(bool projection) => new()
    {
        Family = "dense", Name = $"residual_block_eval 2x3x5x6 {(projection ? "projection" : "identity")}",
        Build = b =>
        {
            int k = projection ? 4 : 3, stride = projection ? 2 : 1;
            var mean = Uniform(b, new Shape(k), 7);
            var variance = Uniform(b, new Shape(k), 8, 0.5f, 2f);
            Tensor[] inputs =
            [
                Uniform(b, new Shape(2, 3, 5, 6), 1), Uniform(b, new Shape(k, 3, 3, 3), 2), Uniform(b, new Shape(k), 3, 0.5f, 1.5f), Uniform(b, new Shape(k), 4),
                Uniform(b, new Shape(k, k, 3, 3), 5), Uniform(b, new Shape(k), 6, 0.5f, 1.5f), Uniform(b, new Shape(k), 9),
                Uniform(b, new Shape(k, 3, 1, 1), 10), Uniform(b, new Shape(k), 11, 0.5f, 1.5f), Uniform(b, new Shape(k), 12),
            ];
            return new(projection ? inputs : inputs[..7], t => Ops.ResidualBlockEval(t[0],
                ConvBatchNormEval.Fold(t[1], t[2], t[3], mean, variance, stride, 1), ConvBatchNormEval.Fold(t[4], t[5], t[6], mean, variance, 1, 1),
                projection ? ConvBatchNormEval.Fold(t[7], t[8], t[9], mean, variance, stride, 0) : null));
        },
    };

    /// <summary>
    /// conv → BN(train) → relu → conv → BN → + skip → relu → pool → linear → CE: every pending
    /// gradient path, including the fan-out of x into the skip connection. Eleven ops deep, so a
    /// little more float rounding is allowed than for one op.
    /// </summary>
    private static GradientCase ResidualBlock() => new()
    {
        Family = "dense", Name = "residual block composition", RelativeTolerance = 3e-2f, AbsoluteTolerance = 3e-3f,
        Build = b =>
        {
            var mean = Tensor.Zeros(b, new Shape(3));
            var variance = Tensor.Full(b, new Shape(3), 1f);
            var labels = Tensor.FromLabels(b, [1, 3]);
            Tensor[] inputs =
            [
                Uniform(b, new Shape(2, 3, 6, 6), 1), Uniform(b, new Shape(3, 3, 3, 3), 2, -0.5f, 0.5f), Uniform(b, new Shape(3, 3, 3, 3), 3, -0.5f, 0.5f),
                Uniform(b, new Shape(3), 4, 0.5f, 1.5f), Uniform(b, new Shape(3), 5), Uniform(b, new Shape(4, 3), 6),
            ];
            return new(inputs, t =>
            {
                var h = Ops.Relu(Ops.BatchNorm2d(Ops.Conv2d(t[0], t[1], padding: 1), t[3], t[4], mean, variance, training: true));
                h = Ops.BatchNorm2d(Ops.Conv2d(h, t[2], padding: 1), t[3], t[4], mean, variance, training: true);
                var pooled = Ops.GlobalAvgPool(Ops.Relu(Ops.Add(h, t[0])));
                return Ops.CrossEntropy(Ops.Linear(pooled, t[5]), labels);
            });
        },
    };
}
