using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;

namespace AutoLoRa.Robust;

/// <summary>Logits, losses and input gradients of a batch, computed on the model's backend.</summary>
public sealed record LossAndGradient(float[] Logits, int Classes, float[] Loss, float[] Grad);

/// <summary>
/// Runs a model on host images: forward passes for predictions and, for gradients, one backward
/// pass of Σ_n loss_n. The per-sample loss and its logit gradient come from the host (N × classes
/// values); the backend back-propagates them through the network as Σ z ⊙ (dL/dz), whose input
/// gradient is exactly that of the loss, so every sample receives its own gradient.
/// </summary>
public static class LogitEvaluator
{
    /// <summary>Logits (rows × classes) without recording the tape.</summary>
    public static float[] Logits(ILogitModel model, float[] images, Shape shape, out int classes)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var x = Tensor.FromArray(model.Backend, images, shape);
        var logits = model.Logits(x);
        RequireLogits(logits, shape[0]);
        classes = logits.Shape[1];
        return logits.ToArray();
    }

    /// <summary>The predicted class of each image.</summary>
    public static int[] Predict(ILogitModel model, float[] images, Shape shape)
    {
        var logits = Logits(model, images, shape, out int classes);
        return ArgMaxRows(logits, classes);
    }

    /// <summary>Logits, per-sample loss and the gradient of Σ loss with respect to the images.</summary>
    public static LossAndGradient LossGradient(ILogitModel model, float[] images, Shape shape, AttackLoss loss, int[] labels, int[]? targets = null)
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(model.Backend, images, shape);
        x.RequiresGrad = true;
        var logits = model.Logits(x);
        RequireLogits(logits, shape[0]);
        int classes = logits.Shape[1];
        var z = logits.ToArray();
        var (values, dz) = loss.Evaluate(z, classes, labels, targets);
        float[] grad;
        if (logits.RequiresGrad)
        {
            var weights = Tensor.FromArray(model.Backend, dz, logits.Shape);
            var surrogate = Ops.Sum(Ops.Multiply(logits, weights));
            grad = Backward.Grad(surrogate, x).ToArray();
        }
        else
        {
            // The output did not go through the tape: as far as any gradient attack can tell, the
            // gradient is zero (the zero-gradient check reports it).
            grad = new float[images.Length];
        }
        return new LossAndGradient(z, classes, values, grad);
    }

    /// <summary>Index of the largest value of each row (first on ties).</summary>
    public static int[] ArgMaxRows(float[] values, int cols)
    {
        int rows = values.Length / cols;
        var result = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int c = 1; c < cols; c++)
            {
                if (values[r * cols + c] > values[r * cols + best]) best = c;
            }
            result[r] = best;
        }
        return result;
    }

    private static void RequireLogits(Tensor logits, int rows)
    {
        if (logits.Shape.Rank != 2 || logits.Shape[0] != rows)
        {
            throw new InvalidOperationException($"The model returned {logits.Shape} for {rows} images; expected logits ({rows}, classes).");
        }
    }
}
