using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Cli.Selftest;

/// <summary>
/// The checks behind <c>autolora selftest</c> that are not comparisons with a reference (those are
/// the verification table's): gradients by finite differences, and a short training run with an
/// attack. Each decides on a measured number (shown to the user) rather than on "it did not crash".
/// The gradients are checked on <paramref name="fp32"/> when <paramref name="backend"/> computes in
/// TF32: a central difference with steps of 2e-3 cannot see through inputs rounded by up to 2^-11
/// of their size, so it would measure TF32's rounding, not the backward rules.
/// </summary>
internal sealed class EngineChecks(Backend backend, Backend? fp32 = null)
{
    public IEnumerable<(string Name, Func<CheckResult> Run)> All()
    {
        yield return (fp32 is null ? "gradients (resnet block)" : "gradients (resnet block, fp32)", Gradients);
        yield return ("training (sgd, 60 steps)", TrainingAndAttack);
    }

    /// <summary>Finite differences through conv, batch-norm, ReLU, a skip connection, pooling, linear and CE.</summary>
    private CheckResult Gradients()
    {
        var target = fp32 ?? backend;
        using var scope = TensorScope.Begin();
        var rng = new Random(11);
        Tensor Leaf(Shape s, float scale)
        {
            var t = Tensor.FromArray(target, RandomArray(rng, s.ElementCount, scale), s);
            t.RequiresGrad = true;
            return t;
        }
        var x = Leaf(new Shape(2, 3, 6, 6), 1f);
        var w = Leaf(new Shape(3, 3, 3, 3), 0.5f);
        var gamma = Leaf(new Shape(3), 0.5f);
        var beta = Leaf(new Shape(3), 0.5f);
        var fc = Leaf(new Shape(4, 3), 1f);
        var mean = Tensor.Zeros(target, new Shape(3));
        var variance = Tensor.Full(target, new Shape(3), 1f);
        var labels = Tensor.FromLabels(target, [1, 3]);
        var result = new GradientChecker { RelativeTolerance = 3e-2f, AbsoluteTolerance = 3e-3f }.Check(t =>
        {
            var h = Ops.BatchNorm2d(Ops.Conv2d(t[0], t[1], padding: 1), t[2], t[3], mean, variance, training: true);
            var pooled = Ops.GlobalAvgPool(Ops.Relu(Ops.Add(h, t[0])));
            return Ops.CrossEntropy(Ops.Linear(pooled, t[4]), labels);
        }, [x, w, gamma, beta, fc]);
        return CheckResult.Require(result.Passed, result.ToString());
    }

    /// <summary>
    /// A small conv net learns a synthetic task (which half of the image is bright), then a PGD
    /// attack inside a large ε-ball must raise its loss while staying in the ball and in [0, 1].
    /// </summary>
    private CheckResult TrainingAndAttack()
    {
        const int n = 32, side = 8;
        var (images, labels) = HalvesDataset(n, side, seed: 3);
        using var model = new TinyConvNet(backend, seed: 5);
        using var x = Tensor.FromArray(backend, images, new Shape(n, 1, side, side));
        using var y = Tensor.FromLabels(backend, labels);

        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = TensorScope.Begin();
            var loss = Ops.CrossEntropy(model.Forward(x, training: true), y);
            loss.Backward();
            model.SgdStep(lr: 0.05f, momentum: 0.9f);
            last = loss.Item();
            if (step == 0) first = last;
        }
        float accuracy = model.Accuracy(x, labels);
        if (!(last < 0.25f * first) || accuracy < 0.95f)
        {
            return CheckResult.Fail($"loss {first:F3} -> {last:F3}, accuracy {accuracy:P0} (expected < 25% of the start and >= 95%)");
        }

        var (cleanLoss, advLoss, maxDelta, inRange) = Attack(model, x, y, eps: 0.3f, alpha: 0.1f, steps: 10);
        bool attackOk = advLoss > cleanLoss && maxDelta <= 0.3f + 1e-6f && inRange;
        return CheckResult.Require(attackOk,
            $"loss {first:F3} -> {last:F3}, accuracy {accuracy:P0}; PGD(eps 0.3) loss {cleanLoss:F3} -> {advLoss:F3}, max |delta| {maxDelta:F3}, in [0,1]: {inRange}");
    }

    private (float Clean, float Adversarial, float MaxDelta, bool InRange) Attack(TinyConvNet model, Tensor x, Tensor y, float eps, float alpha, int steps)
    {
        using var scope = TensorScope.Begin();
        float clean;
        using (GradMode.NoGrad()) clean = Ops.CrossEntropy(model.Forward(x, training: false), y).Item();
        var adv = x.Detach();
        for (int i = 0; i < steps; i++)
        {
            var leaf = adv.Detach();
            leaf.RequiresGrad = true;
            var loss = Ops.CrossEntropy(model.Forward(leaf, training: false), y);
            var grad = Backward.Grad(loss, leaf);
            adv = Ops.PgdStep(leaf, grad, x, alpha, eps);
        }
        float adversarial;
        using (GradMode.NoGrad()) adversarial = Ops.CrossEntropy(model.Forward(adv, training: false), y).Item();
        var a = adv.ToArray();
        var o = x.ToArray();
        float maxDelta = 0;
        bool inRange = true;
        for (int i = 0; i < a.Length; i++)
        {
            maxDelta = Math.Max(maxDelta, Math.Abs(a[i] - o[i]));
            inRange &= a[i] >= 0f && a[i] <= 1f;
        }
        return (clean, adversarial, maxDelta, inRange);
    }

    /// <summary>Images whose top (label 0) or bottom (label 1) half is brighter, with noise.</summary>
    private static (float[] Images, int[] Labels) HalvesDataset(int n, int side, int seed)
    {
        var rng = new Random(seed);
        var images = new float[n * side * side];
        var labels = new int[n];
        for (int s = 0; s < n; s++)
        {
            labels[s] = s % 2;
            for (int r = 0; r < side; r++)
            {
                bool bright = (r < side / 2) == (labels[s] == 0);
                for (int c = 0; c < side; c++)
                {
                    images[(s * side + r) * side + c] = Math.Clamp((bright ? 0.7f : 0.3f) + 0.2f * ((float)rng.NextDouble() - 0.5f), 0f, 1f);
                }
            }
        }
        return (images, labels);
    }

    internal static float[] RandomArray(Random rng, int count, float scale = 1f)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = scale * (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
