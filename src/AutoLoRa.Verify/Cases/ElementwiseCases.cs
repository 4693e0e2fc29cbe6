using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The streaming kernels (one element in, one out, float4 quads plus a scalar tail), PGD's step
/// and SGD's update, each as one primitive call against the CPU backend.
/// </summary>
public static class ElementwiseCases
{
    /// <summary>
    /// One element; tails of 3 and 1 (4095 = 4·1023 + 3: four full blocks of quads); and more quads
    /// than the emulated grid has threads (4 SMs × 32 blocks × 256), so the grid-stride loops wrap.
    /// </summary>
    public static readonly int[] Lengths = [1, 3, 5, 257, 4_095, 40_001, 200_003];

    private static readonly Tolerance Exact = Tolerance.Exact("one IEEE operation per element (product, max, compare): a single correctly rounded answer");

    private static readonly Tolerance TwoRoundings = Tolerance.Scaled(1e-6,
        "a·α + b·β: a fused multiply-add on one side and two roundings on the other differ by an ulp or two (float eps 1.2e-7)");

    /// <summary>Every streaming kernel on n elements; inputs in [-2, 2) with a[0] = 0 (sign(0) = 0, ReLU at 0).</summary>
    public static IEnumerable<PrimitiveCase> For(int n, int seed = 1)
    {
        var data = new SeededData(seed + n);
        var a = data.Uniform(n, -2, 2);
        a[0] = 0;
        var b = data.Uniform(n, -2, 2);
        yield return Binary("axpby_f32", n, a, b, TwoRoundings, (be, x, y, o) => be.Axpby(n, 0.5f, x, -1.5f, y, o));
        yield return Binary("scale_f32", n, a, b, Exact, (be, x, _, o) => be.Scale(n, 3f, x, o));
        yield return Binary("mul_f32", n, a, b, Exact, (be, x, y, o) => be.Multiply(n, x, y, o));
        yield return Binary("relu_f32", n, a, b, Exact, (be, x, _, o) => be.Relu(n, x, o));
        yield return Binary("relu_backward_f32", n, a, b, Exact, (be, x, y, o) => be.ReluBackward(n, x, y, o));
        yield return AddRelu(n, a, b);
        yield return AddReluBackward(n, a, b);
        yield return Binary("sign_f32", n, a, b, Exact, (be, x, _, o) => be.Sign(n, x, o));
        yield return Binary("clamp_f32", n, a, b, Exact, (be, x, _, o) => be.Clamp(n, x, -0.5f, 0.75f, o));
        yield return Binary("min_f32", n, a, b, Exact, (be, x, y, o) => be.Minimum(n, x, y, o));
        yield return Binary("max_f32", n, a, b, Exact, (be, x, y, o) => be.Maximum(n, x, y, o));
        yield return Pgd(n, data);
        yield return Sgd(n, data);
    }

    private static PrimitiveCase Binary(string kernel, int n, float[] a, float[] b, Tolerance tolerance, Action<Backend, DeviceBuffer, DeviceBuffer, DeviceBuffer> call)
    {
        var c = new CaseBuffers();
        int x = c.In(a), y = c.In(b), o = c.Out(n, tolerance, kernel);
        return KernelCase.Create("elementwise", kernel, $"n={n}", $"{n}", c, (be, buf) => call(be, buf[x], buf[y], buf[o]), n, n);
    }

    /// <summary>
    /// The fused residual sum and ReLU against the composition it replaces, relu(a + b) on the host
    /// (in float, as the primitives round it): a plain reference, so it decides on every backend,
    /// the CPU backend included.
    /// </summary>
    private static PrimitiveCase AddRelu(int n, float[] a, float[] b)
    {
        var c = new CaseBuffers();
        int x = c.In(a), y = c.In(b), o = c.Out(n, Exact, "add_relu_f32");
        return new()
        {
            Family = "elementwise", Name = $"add_relu_f32 n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, buf) => be.AddRelu(n, buf[x], buf[y], buf[o]),
            HostReference = _ => [a.Zip(b, (p, q) => MathF.Max(p + q, 0f)).ToArray()],
            Cost = CaseCost.Kernel("add_relu_f32", n, n),
        };
    }

    /// <summary>
    /// Both gradients of relu(a + b) in one pass against the mask on the host, with a standing for the
    /// forward output (a[0] = 0: the mask is strict at zero) and b for the incoming gradient.
    /// </summary>
    private static PrimitiveCase AddReluBackward(int n, float[] a, float[] b)
    {
        var c = new CaseBuffers();
        int y = c.In(a), dy = c.In(b), da = c.Out(n, Exact, "add_relu_backward_f32 da"), db = c.Out(n, Exact, "add_relu_backward_f32 db");
        var mask = a.Zip(b, (p, q) => p > 0 ? q : 0f).ToArray();
        return new()
        {
            Family = "elementwise", Name = $"add_relu_backward_f32 n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, buf) => be.AddReluBackward(n, buf[y], buf[dy], buf[da], buf[db]),
            HostReference = _ => [mask, mask],
            Cost = CaseCost.Kernel("add_relu_backward_f32", n, n),
        };
    }

    /// <summary>
    /// y = 2·y + b with the output aliasing an input, as gradient accumulation calls it (a check
    /// only: the bench times axpby once, in <see cref="For"/>).
    /// </summary>
    public static PrimitiveCase AxpbyInPlace(int n, int seed = 101)
    {
        var data = new SeededData(seed + n);
        var c = new CaseBuffers();
        int y = c.InOut(data.Uniform(n, -2, 2), TwoRoundings, "axpby in place"), x = c.In(data.Uniform(n, -2, 2));
        return new()
        {
            Family = "elementwise", Name = $"axpby_f32 in place n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, buf) => be.Axpby(n, 2f, buf[y], 1f, buf[x], buf[y]),
            Cost = CaseCost.Kernel("axpby_f32", n, n),
        };
    }

    /// <summary>
    /// One PGD step into a fresh output and one in place (as attacks call it); every seventh
    /// gradient is 0, where sign(0) = 0 must not move the pixel.
    /// </summary>
    private static PrimitiveCase Pgd(int n, SeededData data)
    {
        var grad = data.Uniform(n, -1, 1);
        for (int i = 0; i < n; i += 7) grad[i] = 0;
        var exact = Tolerance.Exact("x + α·sign(g) is one addition (α·sign(g) is exact), then min, max and clamp: one correctly rounded answer");
        var c = new CaseBuffers();
        int x0 = c.In(data.Uniform(n, 0, 1)), g = c.In(grad);
        int x = c.InOut(data.Uniform(n, 0, 1), exact, "x' in place"), o = c.Out(n, exact, "x'");
        return new()
        {
            Family = "pgd step", Name = $"pgd_step_f32 n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, b) =>
            {
                be.PgdStep(n, b[x], b[g], b[x0], 2f / 255, 8f / 255, b[o]);
                be.PgdStep(n, b[x], b[g], b[x0], 2f / 255, 8f / 255, b[x]);
            },
            Cost = new([new("pgd_step_f32", n, n), new("pgd_step_f32", n, n)]),
        };
    }

    /// <summary>Two momentum updates (the second without weight decay) on the same parameter and velocity.</summary>
    private static PrimitiveCase Sgd(int n, SeededData data)
    {
        var tolerance = Tolerance.Scaled(1e-6, "v' = μv + g + λp and p − lr·v': fused multiply-adds on one side, separate roundings on the other");
        var c = new CaseBuffers();
        int g = c.In(data.Uniform(n, -1, 1));
        int p = c.InOut(data.Uniform(n, -1, 1), tolerance, "param"), v = c.InOut(data.Uniform(n, -1, 1), tolerance, "velocity");
        return new()
        {
            Family = "sgd momentum", Name = $"sgd_momentum_f32 n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, b) =>
            {
                be.SgdMomentumUpdate(n, b[p], b[g], b[v], 0.1f, 0.9f, 5e-4f);
                be.SgdMomentumUpdate(n, b[p], b[g], b[v], 0.05f, 0.9f, 0f);
            },
            Cost = new([new("sgd_momentum_f32", n, n), new("sgd_momentum_f32", n, n)]),
        };
    }

    /// <summary>
    /// The elementwise ops' backward rules. ReLU-like ops are checked on separated values, clear of the
    /// kink at zero by more than the finite-difference step.
    /// </summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "elementwise";
        Shape s = new(3, 7);
        yield return GradientCase.Of(family, "relu 2x3x4x5", b => [Separated(b, new Shape(2, 3, 4, 5), 1)], t => Ops.Relu(t[0]));
        // a's values at least 0.01 from zero and |b| ≤ 0.0042, so a + b stays clear of the kink by more than the step.
        yield return GradientCase.Of(family, "add_relu 3x7", b => [Separated(b, s, 1), Separated(b, s, 2, gap: 4e-4f)], t => Ops.AddRelu(t[0], t[1]));
        // Both inputs' gradients flow on into one leaf (2x and x), so they are accumulated: each input
        // must get storage of its own. x's values are at least 0.01 from zero, so 3x clears the kink.
        yield return GradientCase.Of(family, "add_relu of 2x and x", b => [Separated(b, s, 3)], t => Ops.AddRelu(Ops.Scale(t[0], 2f), t[0]));
        // Only a needs a gradient: the one-input path of the backward rule.
        yield return new()
        {
            Family = family, Name = "add_relu to a constant 3x7",
            Build = b =>
            {
                var constant = Tensor.FromArray(b, [.. Enumerable.Range(0, s.ElementCount).Select(i => (i % 5 - 2) * 1e-3f)], s);
                return new([Separated(b, s, 4)], t => Ops.AddRelu(t[0], constant));
            },
        };
        yield return GradientCase.Of(family, "add 3x7", b => [Uniform(b, s, 1), Uniform(b, s, 2)], t => Ops.Add(t[0], t[1]));
        yield return GradientCase.Of(family, "subtract 3x7", b => [Uniform(b, s, 1), Uniform(b, s, 2)], t => Ops.Subtract(t[0], t[1]));
        yield return GradientCase.Of(family, "scale 3x7", b => [Uniform(b, s, 1)], t => Ops.Scale(t[0], -2.5f));
        yield return GradientCase.Of(family, "multiply 3x7", b => [Uniform(b, s, 1), Uniform(b, s, 2)], t => Ops.Multiply(t[0], t[1]));
        // One tensor used twice: the two gradients accumulate into it.
        yield return GradientCase.Of(family, "add x to itself", b => [Uniform(b, new Shape(4, 3), 1)], t => Ops.Add(t[0], t[0]));
        yield return GradientCase.Of(family, "multiply x by itself", b => [Uniform(b, new Shape(4, 3), 1)], t => Ops.Multiply(t[0], t[0]));
    }
}
