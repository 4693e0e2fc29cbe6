using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>
/// The fused primitives of the hot path, each against the slow composition it replaces
/// (written out in double precision): softmax-CE, KL, LoRA merge, the PGD step and SGD.
/// </summary>
public abstract partial class BackendConformanceTests
{
    private static double[] SoftmaxRow(float[] z, int r, int classes)
    {
        var row = z.AsSpan(r * classes, classes).ToArray();
        double max = row.Max();
        var e = row.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [BackendTheory]
    [InlineData(1, 2)]
    [InlineData(7, 10)]
    [InlineData(33, 100)]
    public void Softmax_cross_entropy_matches_composition(int rows, int classes)
    {
        var z = TestData.Uniform(rows * classes, seed: 21, lo: -8f, hi: 8f);
        var labels = Enumerable.Range(0, rows).Select(r => (r * 7) % classes).ToArray();
        var dz = Upload(z);
        var dl = Upload(labels);
        var loss = Backend.Allocate(1);
        var p = Backend.Allocate(rows * classes);
        var scale = Upload([2.5f]);
        var grad = Backend.Allocate(rows * classes);
        Backend.SoftmaxCrossEntropyForward(rows, classes, dz, dl, loss, p);
        Backend.SoftmaxCrossEntropyBackward(rows, classes, p, dl, scale, grad);

        double expectedLoss = 0;
        var expectedGrad = new float[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            var s = SoftmaxRow(z, r, classes);
            expectedLoss -= Math.Log(s[labels[r]]);
            for (int j = 0; j < classes; j++) expectedGrad[r * classes + j] = (float)(2.5 * (s[j] - (j == labels[r] ? 1 : 0)) / rows);
        }
        Assert.Equal(expectedLoss / rows, Download(loss)[0], 4);
        TestData.AssertClose(expectedGrad, Download(grad), rtol: 1e-4f, atol: 1e-6f, what: "CE gradient");
    }

    [BackendTheory]
    [InlineData(1, 2)]
    [InlineData(9, 10)]
    [InlineData(20, 37)]
    public void Kl_divergence_matches_composition(int rows, int classes)
    {
        var zt = TestData.Uniform(rows * classes, seed: 22, lo: -4f, hi: 4f);
        var zi = TestData.Uniform(rows * classes, seed: 23, lo: -4f, hi: 4f);
        var dt = Upload(zt);
        var di = Upload(zi);
        var loss = Backend.Allocate(1);
        var logP = Backend.Allocate(rows * classes);
        var logQ = Backend.Allocate(rows * classes);
        var scale = Upload([-1.5f]);
        var gradT = Backend.Allocate(rows * classes);
        var gradI = Backend.Allocate(rows * classes);
        Backend.KlDivergenceForward(rows, classes, dt, di, loss, logP, logQ);
        Backend.KlDivergenceBackward(rows, classes, logP, logQ, scale, gradT, gradI);

        double total = 0;
        var expectedT = new float[rows * classes];
        var expectedI = new float[rows * classes];
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
        Assert.Equal(total / rows, Download(loss)[0], 4);
        TestData.AssertClose(expectedT, Download(gradT), rtol: 1e-3f, atol: 1e-6f, what: "KL gradient to the target");
        TestData.AssertClose(expectedI, Download(gradI), rtol: 1e-3f, atol: 1e-6f, what: "KL gradient to the input");

        // Either gradient may be skipped.
        Backend.KlDivergenceBackward(rows, classes, logP, logQ, scale, null, gradI);
        TestData.AssertClose(expectedI, Download(gradI), rtol: 1e-3f, atol: 1e-6f, what: "KL input gradient alone");
    }

    [BackendTheory]
    [InlineData(12, 6, 9)]
    [InlineData(64, 8, 64)]
    [InlineData(5, 1, 3)]
    public void Lora_merge_and_backward_match_composition(int outRows, int rank, int inCols)
    {
        var w = TestData.Uniform(outRows * inCols, seed: 24);
        var b = TestData.Uniform(outRows * rank, seed: 25);
        var a = TestData.Uniform(rank * inCols, seed: 26);
        var dW = TestData.Uniform(outRows * inCols, seed: 27);
        const float s = 0.125f;
        var dw = Upload(w);
        var db = Upload(b);
        var da = Upload(a);
        var merged = Backend.Allocate(outRows * inCols);
        var grad = Upload(dW);
        var gradB = Backend.Allocate(outRows * rank);
        var gradA = Backend.Allocate(rank * inCols);
        LoraGemm.Merge(Backend, outRows, rank, inCols, dw, db, da, s, merged);
        LoraGemm.Backward(Backend, outRows, rank, inCols, grad, db, da, s, gradB, gradA);

        var expectedW = new float[outRows * inCols];
        var expectedA = new float[rank * inCols];
        var expectedB = new float[outRows * rank];
        for (int i = 0; i < outRows; i++)
        {
            for (int j = 0; j < inCols; j++)
            {
                double ba = 0;
                for (int k = 0; k < rank; k++) ba += (double)b[i * rank + k] * a[k * inCols + j];
                expectedW[i * inCols + j] = (float)(w[i * inCols + j] + s * ba);
            }
        }
        for (int k = 0; k < rank; k++)
        {
            for (int j = 0; j < inCols; j++)
            {
                double acc = 0;
                for (int i = 0; i < outRows; i++) acc += (double)b[i * rank + k] * dW[i * inCols + j];
                expectedA[k * inCols + j] = (float)(s * acc);
            }
            for (int i = 0; i < outRows; i++)
            {
                double acc = 0;
                for (int j = 0; j < inCols; j++) acc += (double)dW[i * inCols + j] * a[k * inCols + j];
                expectedB[i * rank + k] = (float)(s * acc);
            }
        }
        TestData.AssertClose(expectedW, Download(merged), rtol: 1e-5f, atol: 1e-5f, what: "merged weight");
        TestData.AssertClose(expectedA, Download(gradA), rtol: 1e-4f, atol: 1e-5f, what: "dA");
        TestData.AssertClose(expectedB, Download(gradB), rtol: 1e-4f, atol: 1e-5f, what: "dB");
    }

    [BackendTheory]
    [MemberData(nameof(ElementwiseLengths))]
    public void Pgd_step_matches_composition_of_sign_clamp_min_max(int n)
    {
        var x0 = TestData.Uniform(n, seed: 28, lo: 0f, hi: 1f);
        var x = x0.Select((v, i) => Math.Clamp(v + (i % 3 - 1) * 0.03f, 0f, 1f)).ToArray();
        var g = TestData.Uniform(n, seed: 29);
        g[0] = 0f;
        const float alpha = 0.02f, eps = 0.031f;
        var dx = Upload(x);
        var dg = Upload(g);
        var dx0 = Upload(x0);
        Backend.PgdStep(n, dx, dg, dx0, alpha, eps, dx);   // in place, as attacks use it
        var expected = new float[n];
        for (int i = 0; i < n; i++)
        {
            float step = x[i] + alpha * Math.Sign(g[i]);
            expected[i] = Math.Clamp(Math.Min(Math.Max(step, x0[i] - eps), x0[i] + eps), 0f, 1f);
        }
        TestData.AssertClose(expected, Download(dx), rtol: 0f, atol: 1e-7f, what: "PGD step");
    }

    [BackendTheory]
    [MemberData(nameof(ElementwiseLengths))]
    public void Sgd_momentum_update_matches_pytorch_formula(int n)
    {
        var p = TestData.Uniform(n, seed: 30);
        var g = TestData.Uniform(n, seed: 31);
        var v = TestData.Uniform(n, seed: 32);
        const float lr = 0.05f, mu = 0.9f, wd = 1e-3f;
        var dp = Upload(p);
        var dg = Upload(g);
        var dv = Upload(v);
        Backend.SgdMomentumUpdate(n, dp, dg, dv, lr, mu, wd);
        var expectedV = new float[n];
        var expectedP = new float[n];
        for (int i = 0; i < n; i++)
        {
            expectedV[i] = mu * v[i] + (g[i] + wd * p[i]);
            expectedP[i] = p[i] - lr * expectedV[i];
        }
        TestData.AssertClose(expectedV, Download(dv), rtol: 1e-6f, atol: 1e-7f, what: "velocity");
        TestData.AssertClose(expectedP, Download(dp), rtol: 1e-6f, atol: 1e-7f, what: "parameter");
    }

    [BackendFact]
    public void Losses_reject_a_float_buffer_where_int32_labels_are_expected()
    {
        const int rows = 3, classes = 4;
        using var s = new Scope(this);
        var logits = s.Filled(rows * classes, 0);
        var probabilities = s.Filled(rows * classes, 0);
        var scalar = s.Filled(1, 1);
        var floatLabels = s.Filled(rows, 0);
        var e = Assert.Throws<BackendException>(() => Backend.SoftmaxCrossEntropyForward(rows, classes, logits, floatLabels, scalar, probabilities));
        Assert.Contains("SoftmaxCrossEntropyForward: labels must be a Int32 buffer, got Float32", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.SoftmaxCrossEntropyBackward(rows, classes, probabilities, floatLabels, scalar, logits));
        Assert.Contains("SoftmaxCrossEntropyBackward: labels must be a Int32 buffer", e.Message);
        e = Assert.Throws<BackendException>(() => Backend.ArgMaxRows(rows, classes, logits, floatLabels));
        Assert.Contains("ArgMaxRows: indices must be a Int32 buffer", e.Message);
        // And too few labels, in the right type.
        e = Assert.Throws<BackendException>(() => Backend.SoftmaxCrossEntropyForward(rows, classes, logits, s.Upload(new[] { 0, 1 }), scalar, probabilities));
        Assert.Contains("labels has 2 elements, expected 3", e.Message);
    }

    [BackendFact]
    public void Lora_merge_rejects_a_short_factor()
    {
        const int outRows = 4, rank = 2, inCols = 6;
        using var s = new Scope(this);
        var w = s.Filled(outRows * inCols, 1);
        var b = s.Filled(outRows * rank, 1);
        var a = s.Filled(rank * inCols, 1);
        var wOut = s.Filled(outRows * inCols, 0);
        var e = Assert.Throws<BackendException>(() => LoraGemm.Merge(Backend, outRows, rank, inCols, w, s.Filled(outRows * rank - 1, 1), a, 1f, wOut));
        Assert.Contains("LoraMerge: b has 7 elements, expected 8", e.Message);
        e = Assert.Throws<BackendException>(() => LoraGemm.Merge(Backend, outRows, rank, inCols, w, b, s.Filled(rank * inCols - 1, 1), 1f, wOut));
        Assert.Contains("LoraMerge: a has 11 elements, expected 12", e.Message);
        Assert.All(Download(wOut), v => Assert.Equal(0f, v));
        e = Assert.Throws<BackendException>(() => LoraGemm.Backward(Backend, outRows, rank, inCols, w, b, s.Filled(rank * inCols - 1, 1), 1f, null, s.Filled(rank * inCols, 0)));
        Assert.Contains("LoraMergeBackward: a has 11 elements", e.Message);
        e = Assert.Throws<BackendException>(() => LoraGemm.Backward(Backend, outRows, rank, inCols, w, b, a, 1f, s.Filled(outRows * rank, 0), s.Filled(rank * inCols - 1, 0)));
        Assert.Contains("LoraMergeBackward: dA has 11 elements, expected 12", e.Message);
    }
}
