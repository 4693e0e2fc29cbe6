using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;

namespace AutoLoRa.Core.Tests.Support;

/// <summary>
/// Central finite differences against the tape's gradients. A non-scalar output is reduced with a
/// fixed random projection Σ out ⊙ R, so every output element (and so every row/column of the
/// Jacobian) contributes with a distinct weight: a wrong sign, a missing term, a transposed index
/// or a wrong reduction all change the result.
/// </summary>
public static class GradientCheck
{
    /// <param name="f">The operation under test; called repeatedly with the same input tensors.</param>
    /// <param name="inputs">Leaves; those with RequiresGrad are checked.</param>
    /// <param name="step">Finite-difference step (float32 data: keep it near 1e-2..1e-3).</param>
    /// <param name="rtol">Relative tolerance on |analytic − numeric|.</param>
    /// <param name="atol">Absolute tolerance on |analytic − numeric|.</param>
    /// <param name="maxElements">Elements checked per input (spread evenly over the tensor).</param>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, float step = 2e-3f, float rtol = 2e-2f, float atol = 2e-3f, int maxElements = 60)
    {
        var backend = inputs[0].Backend;
        float[]? projection = null;

        Tensor Loss()
        {
            var output = f(inputs);
            if (output.ElementCount == 1 && output.Shape.Rank == 0) return output;
            projection ??= TestData.Uniform(output.ElementCount, seed: 1234, lo: -1f, hi: 1f);
            var r = Tensor.FromArray(backend, projection, output.Shape);
            return Ops.Sum(Ops.Multiply(output, r));
        }

        var checkedInputs = inputs.Where(t => t.RequiresGrad).ToArray();
        Assert.NotEmpty(checkedInputs);
        Tensor[] analytic;
        using (TensorScope.Begin())
        {
            var loss = Loss();
            analytic = Backward.Grad(loss, checkedInputs).Select(TensorScope.Keep).ToArray();
        }

        for (int t = 0; t < checkedInputs.Length; t++)
        {
            var input = checkedInputs[t];
            var values = input.ToArray();
            var grad = analytic[t].ToArray();
            analytic[t].Dispose();
            int stride = Math.Max(1, values.Length / maxElements);
            for (int i = 0; i < values.Length; i += stride)
            {
                float original = values[i];
                double plus = Evaluate(input, values, i, original + step, Loss);
                double minus = Evaluate(input, values, i, original - step, Loss);
                values[i] = original;
                backend.Upload(values, input.Buffer);
                double numeric = (plus - minus) / (2 * step);
                double error = Math.Abs(numeric - grad[i]);
                double tolerance = atol + rtol * Math.Max(Math.Abs(numeric), Math.Abs(grad[i]));
                if (!(error <= tolerance))
                {
                    Assert.Fail($"Gradient of input {t} ({input.Describe()}) at element {i}: analytic {grad[i]}, numeric {numeric} (|diff| {error:g3} > {tolerance:g3}).");
                }
            }
        }
    }

    private static double Evaluate(Tensor input, float[] values, int index, float value, Func<Tensor> loss)
    {
        values[index] = value;
        input.Backend.Upload(values, input.Buffer);
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        return loss().Item();
    }

    /// <summary>A leaf tensor that requires a gradient, filled from a seed.</summary>
    public static Tensor Leaf(IBackend backend, Shape shape, int seed, float lo = -1f, float hi = 1f)
    {
        var t = Tensor.FromArray(backend, TestData.Uniform(shape.ElementCount, seed, lo, hi), shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>A leaf whose values are distinct and at least <paramref name="gap"/> apart (for max-pool and ReLU, whose gradients jump at ties and at zero).</summary>
    public static Tensor SeparatedLeaf(IBackend backend, Shape shape, int seed, float gap = 0.02f)
    {
        int n = shape.ElementCount;
        var rng = new Random(seed);
        var values = Enumerable.Range(0, n).Select(i => (i - n / 2 + 0.5f) * gap).OrderBy(_ => rng.Next()).ToArray();
        var t = Tensor.FromArray(backend, values, shape);
        t.RequiresGrad = true;
        return t;
    }
}
