namespace AutoLoRa.Core.Autograd;

/// <summary>The worst disagreement found by <see cref="GradientChecker"/>.</summary>
/// <param name="Passed">Every checked element was within tolerance.</param>
/// <param name="InputIndex">Which checked input held the worst element (-1 when nothing was checked).</param>
/// <param name="Element">Flat index of the worst element.</param>
/// <param name="Analytic">The tape's gradient there.</param>
/// <param name="Numeric">The central-difference estimate there.</param>
/// <param name="ErrorOverTolerance">|analytic − numeric| divided by the allowed error (≤ 1 passes).</param>
/// <param name="ElementsChecked">How many elements were perturbed in all.</param>
public readonly record struct GradientCheckResult(bool Passed, int InputIndex, int Element, double Analytic, double Numeric,
    double ErrorOverTolerance, int ElementsChecked)
{
    /// <inheritdoc/>
    public override string ToString() => InputIndex < 0
        ? "no elements checked"
        : $"{(Passed ? "ok" : "MISMATCH")}: worst at input {InputIndex} element {Element}: analytic {Analytic:g6}, numeric {Numeric:g6} ({ErrorOverTolerance:F2}× tolerance, {ElementsChecked} elements)";
}

/// <summary>
/// Compares the tape's gradients with central finite differences. A non-scalar output is reduced
/// with a fixed random projection Σ out ⊙ R, so every output element contributes with a distinct
/// weight: a wrong sign, a missing term, a transposed index or a wrong reduction all show up.
/// Used by the test suite for every operation and by <c>autolora selftest</c>.
/// </summary>
public sealed class GradientChecker
{
    /// <summary>Finite-difference step (float32 data: keep it near 1e-2..1e-3).</summary>
    public float Step { get; init; } = 2e-3f;

    /// <summary>Relative tolerance on |analytic − numeric|.</summary>
    public float RelativeTolerance { get; init; } = 2e-2f;

    /// <summary>Absolute tolerance on |analytic − numeric|.</summary>
    public float AbsoluteTolerance { get; init; } = 2e-3f;

    /// <summary>Elements checked per input (spread evenly over the tensor).</summary>
    public int MaxElementsPerInput { get; init; } = 60;

    /// <summary>
    /// Checks d f(inputs) / d input for every input with RequiresGrad. <paramref name="f"/> is
    /// called repeatedly with the same tensors, whose values are perturbed in place and restored.
    /// </summary>
    public GradientCheckResult Check(Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        var backend = inputs[0].Backend;
        float[]? projection = null;

        Tensor Loss()
        {
            var output = f(inputs);
            if (output.ElementCount == 1 && output.Shape.Rank == 0) return output;
            projection ??= SeededUniform.Values(output.ElementCount, seed: 1234);
            var r = Tensor.FromArray(backend, projection, output.Shape);
            return Ops.Sum(Ops.Multiply(output, r));
        }

        var checkedInputs = inputs.Where(t => t.RequiresGrad).ToArray();
        float[][] analytic;
        using (TensorScope.Begin())
        {
            analytic = Backward.Grad(Loss(), checkedInputs).Select(g => g.ToArray()).ToArray();
        }

        var worst = new GradientCheckResult(true, -1, -1, 0, 0, 0, 0);
        int count = 0;
        for (int t = 0; t < checkedInputs.Length; t++)
        {
            var input = checkedInputs[t];
            var values = input.ToArray();
            int stride = Math.Max(1, values.Length / MaxElementsPerInput);
            for (int i = 0; i < values.Length; i += stride, count++)
            {
                float original = values[i];
                double plus = Evaluate(backend, input, values, i, original + Step, Loss);
                double minus = Evaluate(backend, input, values, i, original - Step, Loss);
                values[i] = original;
                backend.Upload(values, input.Buffer);
                double numeric = (plus - minus) / (2 * Step);
                double a = analytic[t][i];
                double tolerance = AbsoluteTolerance + RelativeTolerance * Math.Max(Math.Abs(numeric), Math.Abs(a));
                double ratio = Math.Abs(numeric - a) / tolerance;
                if (double.IsNaN(ratio)) ratio = double.PositiveInfinity;
                if (worst.InputIndex < 0 || ratio > worst.ErrorOverTolerance)
                {
                    worst = new GradientCheckResult(ratio <= 1, t, i, a, numeric, ratio, 0);
                }
            }
        }
        return worst with { ElementsChecked = count };
    }

    private static double Evaluate(Backend backend, Tensor input, float[] values, int index, float value, Func<Tensor> loss)
    {
        values[index] = value;
        backend.Upload(values, input.Buffer);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        return loss().Item();
    }
}
