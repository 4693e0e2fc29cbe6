using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
using AutoLoRa.Core.Backends;
using AutoLoRa.Verify.References;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The vision transformer's primitives (kernels/transformer.cu) against plain double-precision
/// loops, which decide on every backend, the CPU backend included; and the finite-difference
/// cases of LayerNorm, GELU, softmax, batched MatMul and attention.
/// </summary>
public static class TransformerCases
{
    /// <summary>
    /// (rows, cols): one element; a row shorter than a vector; ViT-Ti's width over a 65-token
    /// sequence; a width that is no multiple of a warp or a vector; a long row (many keys).
    /// </summary>
    public static readonly (int Rows, int Cols)[] Shapes = [(1, 1), (3, 7), (65, 192), (40, 33), (4, 1000)];

    /// <summary>Elementwise lengths with SIMD and float4 tails.</summary>
    public static readonly int[] Lengths = [1, 7, 33, 4099];

    private static readonly Tolerance RowStatistics = SummationBound.Reasoned(Tolerance.Scaled(2e-5,
        "a row mean and variance of up to 1000 floats and a square root: float sums against double"), 1000, 5.0 / 1000,
        "for the mean's terms x/cols ≤ 0.005, before the variance and 1/√ compound it: no bound on y or rstd, and already 30 times the reasoned bound, which is kept");

    private static readonly Tolerance RowGradients = SummationBound.Reasoned(Tolerance.Scaled(5e-5,
        "two row sums of products, then a difference: float sums of up to 1000 terms against double"), 1000, 1.5 * 3 / 1000,
        "for the row means of dy·γ·x̂ (|dy| ≤ 1, γ < 1.5, |x̂| ≤ 3), before x̂'s own error: no bound on dx, and several times the reasoned bound, which is kept");

    private static readonly Tolerance ColumnSums = SummationBound.Reasoned(new(1e-4, 1e-4,
        "a column sum over up to 65 rows of dy·x̂ (|x̂| up to about 3): float accumulation against double"), 65, 3,
        "half of it against double; x̂ is itself computed, so no bound on dγ, and looser than the reasoned bound at these shapes, which is kept");

    // GELU's inputs lie in [-5, 5); each output's bound is derived from the kernel's own formula,
    // operation by operation, at its worst input there (GeluDeviceBound).
    private static Tolerance GeluBound(Func<double, double> bound, string derivation) =>
        new(GeluDeviceBound.Relative, GeluDeviceBound.MaxAbsolute(bound, -5, 5),
            $"{derivation}; every other operation correctly rounded (u = 2^-24); at the worst x in [-5, 5), plus 2u·|y| for the last product and the reference's rounding");

    private static readonly Tolerance Gelu = GeluBound(GeluDeviceBound.Exact,
        "erf by Abramowitz–Stegun 7.1.26 (1.5e-7) built on ex2.approx (PTX ISA §9.7.3.21), times 0.5|x|");

    private static readonly Tolerance GeluBackward = GeluBound(GeluDeviceBound.ExactBackward,
        "Φ from the same erf, φ from ex2.approx at −x²/2, |dy| ≤ 1");

    private static readonly Tolerance GeluTanh = GeluBound(GeluDeviceBound.TanhForm,
        "tanh(w) = 1 − 2/(exp(2w) + 1) with ex2.approx at 2w (|w| ≤ 8.5), times 0.5|x|");

    private static readonly Tolerance GeluTanhBackward = GeluBound(GeluDeviceBound.TanhBackward,
        "the same tanh, and 1 − t² from it, times 0.5|x|·w′ ≤ 8.7, |dy| ≤ 1");

    // Logits in [-30, 30): exponents d = x − max in [-60, 0]. With ε = DeviceMath.ExpRelative(60), an
    // element's own exp errs by at most (5 + 2|d|)u·e^d ≤ 5u absolutely (S ≥ 1), the row sum S by ε
    // relatively, so |Δp| ≤ 5u + ε·p; the backward p·(dy − Σp·dy) then errs by at most
    // 2|Δp| + p·Σ|Δp| ≤ 10u + 4ε·p (|dy| ≤ 1, Σp = 1).
    private static readonly Tolerance Softmax = Tolerance.Scaled(1e-5,
        "one exp per element and a row sum of up to 1000 terms: summation orders differ by a few ulps")
        .WithDeviceMath(4 * DeviceMath.ExpRelative(60), 10 * DeviceMath.Fp32UnitRoundoff,
            "ex2.approx within 2 ulp (PTX ISA §9.7.3.21) and the rounded x·log2 e: 10u + 4ε·p, ε = (5 + 2·60)u");

    private static PrimitiveCase Case(string family, string name, string shape, CaseBuffers c, Action<Backend, DeviceBuffer[]> run,
        Func<IReadOnlyList<Array>, Array[]> reference, CaseCost cost) =>
        new() { Family = family, Name = name, Shape = shape, Buffers = c, Run = run, HostReference = reference, Cost = cost };

    /// <summary>
    /// LayerNorm forward (y, mean, rstd), backward dx, and dγ, dβ of one (rows, cols) matrix. The
    /// rows are offset by 3 so that a variance from E[x²] − μ² would lose digits and fail.
    /// </summary>
    public static PrimitiveCase LayerNorm(int rows, int cols)
    {
        const float eps = 1e-5f;
        int n = rows * cols;
        var data = new SeededData(21 + n);
        var x = data.Uniform(n, 1f, 5f);
        var gamma = data.Uniform(cols, 0.5f, 1.5f);
        var beta = data.Uniform(cols, -0.5f, 0.5f);
        var dy = data.Uniform(n);
        var c = new CaseBuffers();
        int px = c.In(x), pg = c.In(gamma), pb = c.In(beta), pdy = c.In(dy);
        int py = c.Out(n, RowStatistics, "y"), pm = c.Out(rows, RowStatistics, "mean"), pr = c.Out(rows, RowStatistics, "rstd");
        int pdx = c.Out(n, RowGradients, "dx"), pdg = c.Out(cols, ColumnSums, "dgamma"), pdb = c.Out(cols, ColumnSums, "dbeta");
        string shape = $"{rows}×{cols}";
        return Case("layer norm", $"layer_norm fwd and bwd {shape}", shape, c, (be, b) =>
        {
            be.LayerNorm(rows, cols, b[px], b[pg], b[pb], eps, b[py], b[pm], b[pr]);
            be.LayerNormBackward(rows, cols, b[px], b[pdy], b[pg], b[pm], b[pr], b[pdx]);
            be.LayerNormParamsBackward(rows, cols, b[px], b[pdy], b[pm], b[pr], b[pdg], b[pdb]);
        }, _ =>
        {
            var y = new float[n];
            var dx = new float[n];
            var mean = new float[rows];
            var rstd = new float[rows];
            var dg = new double[cols];
            var db = new double[cols];
            for (int r = 0; r < rows; r++)
            {
                var row = x.AsSpan(r * cols, cols).ToArray().Select(v => (double)v).ToArray();
                double mu = row.Average(), inv = 1 / Math.Sqrt(row.Average(v => (v - mu) * (v - mu)) + eps);
                double meanG = 0, meanGx = 0;
                for (int j = 0; j < cols; j++)
                {
                    double xhat = (row[j] - mu) * inv, g = dy[r * cols + j] * (double)gamma[j];
                    y[r * cols + j] = (float)(xhat * gamma[j] + beta[j]);
                    meanG += g / cols;
                    meanGx += g * xhat / cols;
                    dg[j] += dy[r * cols + j] * xhat;
                    db[j] += dy[r * cols + j];
                }
                for (int j = 0; j < cols; j++)
                {
                    dx[r * cols + j] = (float)(inv * (dy[r * cols + j] * (double)gamma[j] - meanG - (row[j] - mu) * inv * meanGx));
                }
                mean[r] = (float)mu;
                rstd[r] = (float)inv;
            }
            return [y, mean, rstd, dx, dg.Select(v => (float)v).ToArray(), db.Select(v => (float)v).ToArray()];
        }, new([new("layer_norm_f32", n, n), new("layer_norm_backward_f32", n, n), new("layer_norm_params_backward_f32", n, cols)]));
    }

    /// <summary>Both GELU forms, forward and backward, on x in [-5, 5) with x[0] = 0.</summary>
    public static PrimitiveCase Gelus(int n)
    {
        var data = new SeededData(31 + n);
        var x = data.Uniform(n, -5f, 5f);
        x[0] = 0f;
        var dy = data.Uniform(n);
        var c = new CaseBuffers();
        int px = c.In(x), pdy = c.In(dy);
        int exact = c.Out(n, Gelu, "gelu"), exactDx = c.Out(n, GeluBackward, "gelu backward");
        int tanh = c.Out(n, GeluTanh, "gelu tanh"), tanhDx = c.Out(n, GeluTanhBackward, "gelu tanh backward");
        return Case("gelu", $"gelu exact and tanh n={n}", $"{n}", c, (be, b) =>
        {
            be.Gelu(n, b[px], b[exact]);
            be.GeluBackward(n, b[px], b[pdy], b[exactDx]);
            be.GeluTanh(n, b[px], b[tanh]);
            be.GeluTanhBackward(n, b[px], b[pdy], b[tanhDx]);
        }, _ =>
        [
            x.Select(v => (float)GeluReference.Exact(v)).ToArray(),
            x.Zip(dy, (v, g) => (float)(g * GeluReference.ExactDerivative(v))).ToArray(),
            x.Select(v => (float)GeluReference.Tanh(v)).ToArray(),
            x.Zip(dy, (v, g) => (float)(g * GeluReference.TanhDerivative(v))).ToArray(),
        ], new([new("gelu_f32", n, n), new("gelu_backward_f32", 2L * n, n), new("gelu_tanh_f32", n, n), new("gelu_tanh_backward_f32", 2L * n, n)]));
    }

    /// <summary>
    /// Softmax of logits in [-30, 30) and its backward, then both again in place (y over x, dx over
    /// dy), as attention runs them on its scratch.
    /// </summary>
    public static PrimitiveCase Softmaxes(int rows, int cols)
    {
        int n = rows * cols;
        var data = new SeededData(41 + n);
        var x = data.Uniform(n, -30f, 30f);
        var dy = data.Uniform(n);
        var c = new CaseBuffers();
        int px = c.In(x), pdy = c.In(dy);
        int py = c.Out(n, Softmax, "softmax"), pdx = c.Out(n, Softmax, "softmax backward");
        int inPlace = c.InOut(x, Softmax, "softmax in place"), dxInPlace = c.InOut(dy, Softmax, "softmax backward in place");
        string shape = $"{rows}×{cols}";
        return Case("softmax", $"softmax fwd and bwd {shape}", shape, c, (be, b) =>
        {
            be.Softmax(rows, cols, b[px], b[py]);
            be.SoftmaxBackward(rows, cols, b[py], b[pdy], b[pdx]);
            be.Softmax(rows, cols, b[inPlace], b[inPlace]);
            be.SoftmaxBackward(rows, cols, b[py], b[dxInPlace], b[dxInPlace]);
        }, _ =>
        {
            var y = new float[n];
            var dx = new float[n];
            for (int r = 0; r < rows; r++)
            {
                int o = r * cols;
                double max = x.AsSpan(o, cols).ToArray().Max(), sum = 0, dot = 0;
                for (int j = 0; j < cols; j++) sum += Math.Exp(x[o + j] - max);
                for (int j = 0; j < cols; j++) dot += Math.Exp(x[o + j] - max) / sum * dy[o + j];
                for (int j = 0; j < cols; j++)
                {
                    double p = Math.Exp(x[o + j] - max) / sum;
                    y[o + j] = (float)p;
                    dx[o + j] = (float)(p * (dy[o + j] - dot));
                }
            }
            return [y, dx, y, dx];
        }, new([new("softmax_f32", n, n), new("softmax_backward_f32", 2L * n, n), new("softmax_f32", n, n), new("softmax_backward_f32", 2L * n, n)]));
    }

    /// <summary>(samples, tokens, heads, head width) of the attention cases: a tiny one, ViT-Ti/4's 65 tokens, an odd width.</summary>
    public static readonly (int N, int T, int Heads, int HeadDim)[] AttentionShapes = [(2, 5, 3, 3), (2, 65, 3, 64), (1, 33, 2, 40)];

    /// <summary>
    /// Multi-head attention forward read in place from a (n, t, 3·D) qkv projection — on CUDA the
    /// fused attention_forward_f32 for t ≤ 256 — against a loop in double. Inputs in [-1, 1),
    /// scale 1/√h (h the head width), so |s| ≤ √h and every |v| &lt; 1. Bound, derived: a score's
    /// h-term dot product and its scaling err by δs ≤ γ_(h+1)·√h; a probability then errs
    /// relatively by at most 2(δs + ε), ε = DeviceMath.ExpRelative(2√h) (exponents in [−2√h, 0]),
    /// and o = Σ p·v / Σ p by Σ|Δp|·max|v| ≤ 2(δs + ε) plus the t-term sums' γ_(t+2).
    /// </summary>
    public static PrimitiveCase Attention(int n, int t, int heads, int headDim)
    {
        int width = heads * headDim, count = n * t * width;
        float scale = 1f / MathF.Sqrt(headDim);
        var data = new SeededData(61 + count);
        var qkv = data.Uniform(3 * count);
        double root = Math.Sqrt(headDim), scores = SummationBound.Gamma(headDim + 1) * root, exp = DeviceMath.ExpRelative(2 * root);
        double bound = 2 * (scores + exp) + SummationBound.Gamma(t + 2);
        var tolerance = new Tolerance(0, bound,
            $"2(γ_(h+1)·√h + ε) + γ_(t+2) = {bound:0.0E+0} for h = {headDim}, t = {t}: score dot products, exp within ε = {exp:0.0E+0} (ex2.approx, PTX ISA §9.7.3.21), the softmax-weighted sum of values in [-1, 1)");
        var c = new CaseBuffers();
        int pqkv = c.In(qkv), po = c.Out(count, tolerance, "o");
        string shape = $"{n}×{t}×{heads}×{headDim}";
        return Case("attention", $"attention fwd {shape}", shape, c, (be, b) => be.AttentionForward(n, t, heads, headDim, scale, b[pqkv], b[po]), _ =>
        {
            var o = new float[count];
            var p = new double[t];
            for (int sample = 0; sample < n; sample++)
            {
                for (int head = 0; head < heads; head++)
                {
                    for (int i = 0; i < t; i++)
                    {
                        long q = ((long)(sample * t + i) * 3) * width + head * headDim;
                        double max = double.NegativeInfinity, sum = 0;
                        for (int j = 0; j < t; j++)
                        {
                            long k = ((long)(sample * t + j) * 3 + 1) * width + head * headDim;
                            double dot = 0;
                            for (int d = 0; d < headDim; d++) dot += (double)qkv[q + d] * qkv[k + d];
                            p[j] = dot * scale;
                            max = Math.Max(max, p[j]);
                        }
                        for (int j = 0; j < t; j++) sum += p[j] = Math.Exp(p[j] - max);
                        for (int d = 0; d < headDim; d++)
                        {
                            double value = 0;
                            for (int j = 0; j < t; j++) value += p[j] * qkv[((long)(sample * t + j) * 3 + 2) * width + head * headDim + d];
                            o[(long)(sample * t + i) * width + head * headDim + d] = (float)(value / sum);
                        }
                    }
                }
            }
            return [o];
        }, new([new("attention_forward_f32", count, count)]));
    }

    /// <summary>The transformer ops' backward rules against finite differences.</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "transformer";
        Shape tokens = new(2, 3, 5);
        yield return GradientCase.Of(family, "layer_norm to x, gamma, beta 2x3x5",
            b => [Uniform(b, tokens, 1, -2f, 2f), Uniform(b, new Shape(5), 2, 0.5f, 1.5f), Uniform(b, new Shape(5), 3)],
            t => Ops.LayerNorm(t[0], t[1], t[2]));
        yield return GradientCase.Of(family, "gelu exact 3x11", b => [Uniform(b, new Shape(3, 11), 7, -4f, 4f)], t => Ops.Gelu(t[0]));
        yield return GradientCase.Of(family, "gelu tanh 3x11", b => [Uniform(b, new Shape(3, 11), 8, -4f, 4f)], t => Ops.Gelu(t[0], GeluForm.Tanh));
        yield return GradientCase.Of(family, "softmax last axis 2x3x6", b => [Uniform(b, new Shape(2, 3, 6), 11, -3f, 3f)], t => Ops.Softmax(t[0]));
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                Shape a = ta ? new(2, 4, 3) : new(2, 3, 4), bShape = tb ? new(2, 5, 4) : new(2, 4, 5);
                yield return GradientCase.Of(family, $"matmul batched transA={ta} transB={tb}",
                    b => [Uniform(b, a, 12), Uniform(b, bShape, 13)], t => Ops.MatMul(t[0], t[1], ta, tb));
            }
        }
        // (batch 2, heads 2, Tq 3, Tk 4, D 5, Dv 3): every gradient of the recomputing backward.
        yield return GradientCase.Of(family, "attention to q, k, v 2x2 heads",
            b => [Uniform(b, new Shape(2, 2, 3, 5), 14), Uniform(b, new Shape(2, 2, 4, 5), 15), Uniform(b, new Shape(2, 2, 4, 3), 16)],
            t => Ops.Attention(t[0], t[1], t[2], 1f / MathF.Sqrt(5f)));
        // (batch 2, 4 tokens, 2 heads of 3): dq, dk and dv written in place into one qkv gradient.
        yield return GradientCase.Of(family, "multi-head attention to qkv 2x4 tokens 2 heads",
            b => [Uniform(b, new Shape(2, 4, 3 * 2 * 3), 17)], t => Ops.MultiHeadAttention(t[0], 2, 1f / MathF.Sqrt(3f)));
    }
}
