using AutoLoRa.Core;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>
/// The fused primitives of the hot path, each against the slow composition it replaces, written
/// out in double precision: softmax-CE, KL, the LoRA merge (the GEMM composition of
/// <see cref="LoraGemm"/>), the PGD step and SGD with momentum.
/// </summary>
public static class FusedReferenceCases
{
    private const string Family = "fused vs composition";

    /// <summary>|Δloss| below 5e-5: what the suite's four-decimal comparison of a mean loss allowed.</summary>
    private static readonly Tolerance Loss = new(0, 5e-5, "a mean of per-row log-sum-exps: four decimals, as the loss is printed");

    private static PrimitiveCase Case(string name, string shape, CaseBuffers c, Action<Backend, DeviceBuffer[]> run, Func<IReadOnlyList<Array>, Array[]> reference) =>
        new() { Family = Family, Name = name, Shape = shape, Buffers = c, Run = run, HostReference = reference };

    /// <summary>Forward (mean loss, probabilities) and backward scaled by an upstream 2.5.</summary>
    public static PrimitiveCase SoftmaxCrossEntropy(int rows, int classes)
    {
        var z = new SeededData(21).Uniform(rows * classes, -8f, 8f);
        var labels = Enumerable.Range(0, rows).Select(r => (r * 7) % classes).ToArray();
        var c = new CaseBuffers();
        int logits = c.In(z), dl = c.In(labels), scale = c.In([2.5f]), p = c.In(new float[rows * classes]);
        // Logits in [-8, 8): lse of a spread of 16; p = exp(z − lse) relatively within ε + δ, the
        // gradient 2.5·(p − onehot)/rows within 2.5·(ε + δ)/rows.
        double lse = DeviceMath.LogSumExpAbsolute(16, classes), pRelative = DeviceMath.ExpRelative(16 + Math.Log(classes)) + lse;
        int loss = c.Out(1, Loss.WithDeviceMath(0, lse, "each row's log Σexp within (5 + 2·16)u (ex2.approx) and lg2.approx's 2^-22·log2 classes"), "CE loss");
        int grad = c.Out(rows * classes, new Tolerance(1e-4, 1e-6, "softmax in float against double: a few ulps of exp and the row sum")
            .WithDeviceMath(0, 2.5 * pRelative / rows, "p = exp(z − lse) within ε = (5 + 2·(16 + ln classes))u plus lse's error, times 2.5/rows"), "CE gradient");
        return Case($"softmax cross-entropy {rows}×{classes}", $"{rows}×{classes}", c, (be, b) =>
        {
            be.SoftmaxCrossEntropyForward(rows, classes, b[logits], b[dl], b[loss], b[p]);
            be.SoftmaxCrossEntropyBackward(rows, classes, b[p], b[dl], b[scale], b[grad]);
        }, _ =>
        {
            double expectedLoss = 0;
            var expectedGrad = new float[rows * classes];
            for (int r = 0; r < rows; r++)
            {
                var s = SoftmaxRow(z, r, classes);
                expectedLoss -= Math.Log(s[labels[r]]);
                for (int j = 0; j < classes; j++) expectedGrad[r * classes + j] = (float)(2.5 * (s[j] - (j == labels[r] ? 1 : 0)) / rows);
            }
            return [new[] { (float)(expectedLoss / rows) }, expectedGrad];
        });
    }

    /// <summary>KL(p ‖ q) forward and backward scaled by −1.5, then the input gradient alone.</summary>
    public static PrimitiveCase KlDivergence(int rows, int classes)
    {
        int n = rows * classes;
        var zt = new SeededData(22).Uniform(n, -4f, 4f);
        var zi = new SeededData(23).Uniform(n, -4f, 4f);
        // Logits in [-4, 4): spreads of 8. log p, log q err by δ, p and q relatively by ε + δ; with
        // |log p − log q − KL| ≤ 2·(8 + ln classes), both gradients (×1.5/rows) stay within
        // 1.5/rows·((ε + δ)·2·(8 + ln classes) + 2δ + the row KL's own error).
        double range = 8 + Math.Log(classes), delta = DeviceMath.LogSumExpAbsolute(8, classes), eps = DeviceMath.ExpRelative(range);
        var gradient = new Tolerance(1e-3, 1e-6, "p·(log p − log q − KL): a difference of logs, each a few ulps from double")
            .WithDeviceMath(0, 1.5 / rows * ((eps + delta) * 2 * range + 2 * delta + DeviceMath.KlRowAbsolute(8, classes)),
                "log p, log q as log-softmax (ex2.approx, lg2.approx), p and q through ex2.approx again, and the row's KL");
        var c = new CaseBuffers();
        int dt = c.In(zt), di = c.In(zi), scale = c.In([-1.5f]), logP = c.In(new float[n]), logQ = c.In(new float[n]);
        int loss = c.Out(1, Loss.WithDeviceMath(0, DeviceMath.KlRowAbsolute(8, classes), "each row's Σ p·(log p − log q) through ex2.approx and lg2.approx"), "KL loss");
        int gradT = c.Out(n, gradient, "KL gradient to the target"), gradI = c.Out(n, gradient, "KL gradient to the input");
        int alone = c.Out(n, gradient, "KL input gradient alone");
        return Case($"kl divergence {rows}×{classes}", $"{rows}×{classes}", c, (be, b) =>
        {
            be.KlDivergenceForward(rows, classes, b[dt], b[di], b[loss], b[logP], b[logQ]);
            be.KlDivergenceBackward(rows, classes, b[logP], b[logQ], b[scale], b[gradT], b[gradI]);
            be.KlDivergenceBackward(rows, classes, b[logP], b[logQ], b[scale], null, b[alone]);
        }, _ =>
        {
            double total = 0;
            var expectedT = new float[n];
            var expectedI = new float[n];
            for (int r = 0; r < rows; r++)
            {
                var p = SoftmaxRow(zt, r, classes);
                var q = SoftmaxRow(zi, r, classes);
                double kl = 0;
                for (int j = 0; j < classes; j++) kl += p[j] * (Math.Log(p[j]) - Math.Log(q[j]));
                total += kl;
                for (int j = 0; j < classes; j++)
                {
                    expectedI[r * classes + j] = (float)(-1.5 * (q[j] - p[j]) / rows);
                    expectedT[r * classes + j] = (float)(-1.5 * p[j] * (Math.Log(p[j]) - Math.Log(q[j]) - kl) / rows);
                }
            }
            return [new[] { (float)(total / rows) }, expectedT, expectedI, expectedI];
        });
    }

    /// <summary>The LoRA merge W + s·B·A and its backward, composed of the backend's GEMMs, against double loops.</summary>
    public static PrimitiveCase LoraMerge(int outRows, int rank, int inCols)
    {
        var w = new SeededData(24).Uniform(outRows * inCols);
        var bm = new SeededData(25).Uniform(outRows * rank);
        var am = new SeededData(26).Uniform(rank * inCols);
        var dW = new SeededData(27).Uniform(outRows * inCols);
        const float s = 0.125f;
        var (merge, dBBound, dABound) = LoraCases.LoraBounds(outRows, rank, inCols, s, w, bm, am, dW, SummationBound.AgainstDouble);
        var c = new CaseBuffers();
        int dw = c.In(w), db = c.In(bm), da = c.In(am), grad = c.In(dW);
        // Under TF32 (LoraGemm's GEMMs, scale s, inputs in [-1, 1)): rank, inCols and outRows products.
        int merged = c.Out(outRows * inCols, merge.WithTf32Products(rank, s), "merged weight");
        int gradB = c.Out(outRows * rank, dBBound.WithTf32Products(inCols, s), "dB"), gradA = c.Out(rank * inCols, dABound.WithTf32Products(outRows, s), "dA");
        return Case($"lora merge composition {outRows}×{rank}×{inCols}", $"{outRows}×{rank}×{inCols}", c, (be, b) =>
        {
            LoraGemm.Merge(be, outRows, rank, inCols, b[dw], b[db], b[da], s, b[merged]);
            LoraGemm.Backward(be, outRows, rank, inCols, b[grad], b[db], b[da], s, b[gradB], b[gradA]);
        }, _ =>
        {
            var expectedW = new float[outRows * inCols];
            var expectedA = new float[rank * inCols];
            var expectedB = new float[outRows * rank];
            for (int i = 0; i < outRows; i++)
            {
                for (int j = 0; j < inCols; j++)
                {
                    double ba = 0;
                    for (int k = 0; k < rank; k++) ba += (double)bm[i * rank + k] * am[k * inCols + j];
                    expectedW[i * inCols + j] = (float)(w[i * inCols + j] + s * ba);
                }
            }
            for (int k = 0; k < rank; k++)
            {
                for (int j = 0; j < inCols; j++)
                {
                    double acc = 0;
                    for (int i = 0; i < outRows; i++) acc += (double)bm[i * rank + k] * dW[i * inCols + j];
                    expectedA[k * inCols + j] = (float)(s * acc);
                }
                for (int i = 0; i < outRows; i++)
                {
                    double acc = 0;
                    for (int j = 0; j < inCols; j++) acc += (double)dW[i * inCols + j] * am[k * inCols + j];
                    expectedB[i * rank + k] = (float)(s * acc);
                }
            }
            return [expectedW, expectedB, expectedA];
        });
    }

    /// <summary>One PGD step in place (as attacks use it) against sign, min, max and clamp written out.</summary>
    public static PrimitiveCase PgdStep(int n)
    {
        var x0 = new SeededData(28).Uniform(n, 0f, 1f);
        var x = x0.Select((v, i) => Math.Clamp(v + (i % 3 - 1) * 0.03f, 0f, 1f)).ToArray();
        var g = new SeededData(29).Uniform(n);
        g[0] = 0f;
        const float alpha = 0.02f, eps = 0.031f;
        var c = new CaseBuffers();
        int dx = c.InOut(x, new Tolerance(0, 1e-7, "x + α·sign(g) is one float addition, then exact min, max and clamp"), "PGD step");
        int dg = c.In(g), dx0 = c.In(x0);
        return Case($"pgd step n={n}", $"{n}", c, (be, b) => be.PgdStep(n, b[dx], b[dg], b[dx0], alpha, eps, b[dx]), _ =>
        {
            var expected = new float[n];
            for (int i = 0; i < n; i++)
            {
                float step = x[i] + alpha * Math.Sign(g[i]);
                expected[i] = Math.Clamp(Math.Min(Math.Max(step, x0[i] - eps), x0[i] + eps), 0f, 1f);
            }
            return [expected];
        });
    }

    /// <summary>SGD with momentum and weight decay against PyTorch's formula: v' = μv + g + λp, p' = p − lr·v'.</summary>
    public static PrimitiveCase SgdMomentum(int n)
    {
        var p = new SeededData(30).Uniform(n);
        var g = new SeededData(31).Uniform(n);
        var v = new SeededData(32).Uniform(n);
        const float lr = 0.05f, mu = 0.9f, wd = 1e-3f;
        var tolerance = new Tolerance(1e-6, 1e-7, "two multiply-adds per element, fused or not");
        var c = new CaseBuffers();
        int dp = c.InOut(p, tolerance, "parameter"), dg = c.In(g), dv = c.InOut(v, tolerance, "velocity");
        return Case($"sgd momentum n={n}", $"{n}", c, (be, b) => be.SgdMomentumUpdate(n, b[dp], b[dg], b[dv], lr, mu, wd), _ =>
        {
            var expectedV = new float[n];
            var expectedP = new float[n];
            for (int i = 0; i < n; i++)
            {
                expectedV[i] = mu * v[i] + (g[i] + wd * p[i]);
                expectedP[i] = p[i] - lr * expectedV[i];
            }
            return [expectedP, expectedV];
        });
    }

    private static double[] SoftmaxRow(float[] z, int r, int classes)
    {
        var row = z.AsSpan(r * classes, classes).ToArray();
        double max = row.Max();
        var e = row.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }
}
