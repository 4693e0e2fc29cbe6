using static AutoLoRa.Verify.GradientLeaves;
using AutoLoRa.Core;
namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The row kernels over a (rows × classes) matrix of logits: log-softmax and its backward, argmax,
/// softmax cross-entropy and KL divergence, forward and backward, against the CPU backend.
/// </summary>
public static class RowCases
{
    /// <summary>One row; a batch of ten classes; 1000 classes (ImageNet); a column count that is no multiple of a warp.</summary>
    public static readonly (int Rows, int Classes)[] Shapes = [(1, 10), (37, 10), (9, 1000), (300, 33)];

    private static readonly Tolerance RowSum = SummationBound.Reasoned(Tolerance.Scaled(1e-5,
        "an exp, a log and a row sum of up to 1000 terms: the device's expf/logf and summation order differ by a few ulps"), 1000, 1,
        "is 2γ_1000 relatively on a row sum S ≥ 1 of exps ≤ 1, which log turns into as much absolute error: no tighter than the reasoned 1e-5·(1 + |y|) for the |y| of up to 23 here, so that is kept");

    private static readonly Tolerance Elementwise = Tolerance.Scaled(1e-6,
        "per element p − onehot (or exp(log p)) scaled by dloss/rows: an ulp of the inputs, no long sums");

    /// <summary>Every row kernel on one shape.</summary>
    public static IEnumerable<PrimitiveCase> For(int rows, int classes, int seed = 4)
    {
        var data = new SeededData(seed + rows * classes);
        int n = rows * classes;
        string shape = $"{rows}×{classes}";
        PrimitiveCase Case(string family, string name, CaseBuffers buffers, Action<Core.Backends.Backend, Core.Backends.DeviceBuffer[]> run, CaseCost cost) =>
            new() { Family = family, Name = $"{name} {shape}", Shape = shape, Buffers = buffers, Run = run, Cost = cost };
        CaseCost Rows(string kernel) => CaseCost.Kernel(kernel, n, n);
        KernelLaunch meanRows = new("mean_rows_f32", rows, 1);

        var c = new CaseBuffers();
        // Logits in [-8, 8): y = d − log S with d = x − max in [-16, 0] and 1 ≤ S ≤ classes; S errs by
        // ExpRelative(16) relatively, which log turns into as much absolute error, plus log's own.
        var logSoftmax = RowSum.WithDeviceMath(0, DeviceMath.LogSumExpAbsolute(16, classes),
            $"Σexp within (5 + 2·16)u relatively (ex2.approx, PTX ISA §9.7.3.21), log of it within lg2.approx's 2^-22·log2 {classes} (§9.7.3.20)");
        int x = c.In(data.Uniform(n, -8, 8)), y = c.Out(n, logSoftmax, "log-softmax");
        yield return Case("log-softmax, argmax rows", "log_softmax_f32", c, (be, b) => be.LogSoftmax(rows, classes, b[x], b[y]), Rows("log_softmax_f32"));

        // Log-probabilities as the forward pass leaves them (≤ 0), and an upstream gradient.
        c = new CaseBuffers();
        // dx = dy − exp(log p)·Σdy: exp of log p in [-8, 0] errs by ExpRelative(8)·|exp(log p)·Σdy|,
        // and |exp(log p)·Σdy| ≤ |dx| + |dy| ≤ |dx| + 1: a bound of the scaled form.
        var logSoftmaxBackward = RowSum.WithDeviceMath(DeviceMath.ExpRelative(8), DeviceMath.ExpRelative(8),
            "exp(log p) within (5 + 2·8)u (ex2.approx, PTX ISA §9.7.3.21), times |p·Σdy| ≤ 1 + |dx|");
        int logP = c.In(data.Uniform(n, -8, 0)), dy = c.In(data.Uniform(n)), dx = c.Out(n, logSoftmaxBackward, "log-softmax bwd");
        yield return Case("log-softmax, argmax rows", "log_softmax_backward_f32", c,
            (be, b) => be.LogSoftmaxBackward(rows, classes, b[logP], b[dy], b[dx]), Rows("log_softmax_backward_f32"));

        c = new CaseBuffers();
        int z = c.In(data.Uniform(n, -8, 8)), arg = c.IntOut(rows, "argmax rows");
        yield return Case("log-softmax, argmax rows", "argmax_rows_f32", c, (be, b) => be.ArgMaxRows(rows, classes, b[z], b[arg]),
            CaseCost.Kernel("argmax_rows_f32", n, rows));

        c = new CaseBuffers();
        // Logits in [-6, 6): a row's loss is lse − z[label], so it errs as the log-sum-exp of a spread
        // of 12 does; p = exp(z − lse) errs relatively by exp's error at up to 12 + ln classes plus
        // lse's absolute error.
        double lse = DeviceMath.LogSumExpAbsolute(12, classes);
        var ceLoss = RowSum.WithDeviceMath(0, lse,
            $"log Σexp within (5 + 2·12)u (ex2.approx, PTX ISA §9.7.3.21) and lg2.approx's 2^-22·log2 {classes} (§9.7.3.20)");
        var ceProbabilities = Elementwise.WithDeviceMath(DeviceMath.ExpRelative(12 + Math.Log(classes)) + lse, 0,
            $"exp(z − lse) within (5 + 2·(12 + ln {classes}))u relatively, and lse's absolute error as p's relative error");
        int logits = c.In(data.Uniform(n, -6, 6)), labels = c.In(data.Labels(rows, classes));
        int loss = c.Out(1, ceLoss, "loss"), prob = c.Out(n, ceProbabilities, "probabilities");
        yield return Case("softmax cross-entropy", "softmax_ce_forward_f32", c,
            (be, b) => be.SoftmaxCrossEntropyForward(rows, classes, b[logits], b[labels], b[loss], b[prob]),
            new([new("softmax_ce_forward_f32", n, n), meanRows]));

        c = new CaseBuffers();
        int p = c.In(Probabilities(data, rows, classes)), ceLabels = c.In(data.Labels(rows, classes)), dloss = c.In([1.3f]);
        int dlogits = c.Out(n, Elementwise, "dlogits");
        yield return Case("softmax cross-entropy", "softmax_ce_backward_f32", c,
            (be, b) => be.SoftmaxCrossEntropyBackward(rows, classes, b[p], b[ceLabels], b[dloss], b[dlogits]), Rows("softmax_ce_backward_f32"));

        c = new CaseBuffers();
        // Logits in [-4, 4): spreads of 8 per row.
        var klLogs = RowSum.WithDeviceMath(0, DeviceMath.LogSumExpAbsolute(8, classes),
            $"log Σexp within (5 + 2·8)u (ex2.approx, PTX ISA §9.7.3.21) and lg2.approx's 2^-22·log2 {classes} (§9.7.3.20)");
        var klRows = RowSum.WithDeviceMath(0, DeviceMath.KlRowAbsolute(8, classes),
            $"Σ p·(log p − log q): both logs as log-softmax, p through ex2.approx at up to 8 + ln {classes}");
        int target = c.In(data.Uniform(n, -4, 4)), input = c.In(data.Uniform(n, -4, 4));
        int klLoss = c.Out(1, klRows, "loss"), klP = c.Out(n, klLogs, "log p"), klQ = c.Out(n, klLogs, "log q");
        yield return Case("kl divergence", "kl_forward_f32", c,
            (be, b) => be.KlDivergenceForward(rows, classes, b[target], b[input], b[klLoss], b[klP], b[klQ]),
            new([new("kl_forward_f32", n, n), meanRows]));

        foreach (var (withTarget, withInput) in new[] { (true, true), (true, false), (false, true) })
        {
            c = new CaseBuffers();
            float[] logPs = data.Uniform(n, -8, 0), logQs = data.Uniform(n, -8, 0);
            var (targetBound, inputBound) = KlBackwardBounds(logPs, logQs, rows, classes, 0.7 / rows);
            int lp = c.In(logPs), lq = c.In(logQs), scale = c.In([0.7f]);
            int dt = c.Out(n, targetBound, withInput ? "dtarget" : "dtarget alone"), di = c.Out(n, inputBound, withTarget ? "dinput" : "dinput alone");
            string which = (withTarget, withInput) switch { (true, true) => "", (true, false) => " target only", _ => " input only" };
            yield return Case("kl divergence", $"kl_backward_f32{which}", c,
                (be, b) => be.KlDivergenceBackward(rows, classes, b[lp], b[lq], b[scale], withTarget ? b[dt] : null, withInput ? b[di] : null),
                Rows("kl_backward_f32"));
        }
    }

    /// <summary>
    /// The device bounds of kl_backward_f32 on these log-probabilities (each in [-8, 0], rows not
    /// normalised), s = dloss/rows: p = exp(log p) and q err relatively by ε = ExpRelative(8)
    /// (ex2.approx). dinput = (q − p)·s errs by (p + q)·ε·s; the row's kl = Σ p·(log p − log q) by
    /// ε·Σ p·|log p − log q|, so dtarget = p·(log p − log q − kl)·s by
    /// p·s·ε·(|log p − log q − kl| + Σ p·|log p − log q|) — taken at the worst element of these inputs.
    /// </summary>
    private static (Tolerance Target, Tolerance Input) KlBackwardBounds(float[] logP, float[] logQ, int rows, int classes, double s)
    {
        double eps = DeviceMath.ExpRelative(8), target = 0, input = 0;
        for (int r = 0; r < rows; r++)
        {
            double kl = 0, spread = 0;
            for (int j = r * classes; j < (r + 1) * classes; j++)
            {
                kl += Math.Exp(logP[j]) * (logP[j] - logQ[j]);
                spread += Math.Exp(logP[j]) * Math.Abs(logP[j] - logQ[j]);
            }
            for (int j = r * classes; j < (r + 1) * classes; j++)
            {
                double p = Math.Exp(logP[j]), q = Math.Exp(logQ[j]);
                input = Math.Max(input, (p + q) * eps * s);
                target = Math.Max(target, p * s * eps * (Math.Abs(logP[j] - logQ[j] - kl) + spread));
            }
        }
        const string exp = "exp of log p, log q in [-8, 0] within (5 + 2·8)u (ex2.approx, PTX ISA §9.7.3.21)";
        return (Elementwise.WithDeviceMath(0, target, $"{exp}, in p and in the row's kl, at the worst element"),
                Elementwise.WithDeviceMath(0, input, $"{exp}: (p + q)·ε·dloss/rows at the worst element"));
    }

    /// <summary>Rows of a softmax (positive, summing to one), as the CE forward leaves them for the backward.</summary>
    private static float[] Probabilities(SeededData data, int rows, int classes)
    {
        var p = data.Uniform(rows * classes, 0.01f, 1f);
        for (int r = 0; r < rows; r++)
        {
            var row = p.AsSpan(r * classes, classes);
            float sum = 0;
            foreach (float v in row) sum += v;
            for (int j = 0; j < classes; j++) row[j] /= sum;
        }
        return p;
    }

    /// <summary>The row ops' and losses' backward rules, and the views that reshape rows.</summary>
    public static IEnumerable<GradientCase> Gradients()
    {
        const string family = "rows";
        Shape x = new(5, 2, 3, 2);
        yield return GradientCase.Of(family, "rows 1..4 of 5", b => [Uniform(b, x, 1)], t => Ops.Rows(t[0], 1, 3));
        yield return GradientCase.Of(family, "concat_rows 5+2", b => [Uniform(b, x, 1), Uniform(b, new Shape(2, 2, 3, 2), 2)], t => Ops.ConcatRows(t[0], t[1]));
        // Split and rejoined with different weights per part, as a twin batch-norm does.
        yield return GradientCase.Of(family, "rows split and rejoined", b => [Uniform(b, x, 1)],
            t => Ops.ConcatRows(Ops.Scale(Ops.Rows(t[0], 0, 2), 2f), Ops.Scale(Ops.Rows(t[0], 2, 3), -0.5f)));
        yield return GradientCase.Of(family, "reshape and flatten", b => [Uniform(b, new Shape(2, 3, 2, 2), 1)],
            t => Ops.Multiply(Ops.Flatten(t[0]), Ops.Reshape(t[0], new Shape(2, 12))));
        yield return GradientCase.Of(family, "log_softmax 4x5", b => [Uniform(b, new Shape(4, 5), 1, -3f, 3f)], t => Ops.LogSoftmax(t[0]));
        yield return new()
        {
            Family = family, Name = "cross_entropy 5x4",
            Build = b =>
            {
                var labels = Tensor.FromLabels(b, [0, 3, 1, 1, 2]);
                return new([Uniform(b, new Shape(5, 4), 1, -3f, 3f)], t => Ops.CrossEntropy(t[0], labels));
            },
        };
        yield return GradientCase.Of(family, "kl_divergence to both arguments 4x6",
            b => [Uniform(b, new Shape(4, 6), 1, -2f, 2f), Uniform(b, new Shape(4, 6), 2, -2f, 2f)], t => Ops.KlDivergence(t[0], t[1]));
    }
}
