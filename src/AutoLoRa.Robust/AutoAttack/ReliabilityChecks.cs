namespace AutoLoRa.Robust;

/// <summary>
/// The checks AutoAttack runs to catch evaluations that overstate robustness. Each returns a flag or
/// null; thresholds are the reference's.
/// </summary>
public static class ReliabilityChecks
{
    /// <summary>Forward passes compared by the randomness check.</summary>
    public const int RandomnessPasses = 5;

    /// <summary>Largest allowed distance between L2-normalised logit rows of two passes.</summary>
    public const double RandomnessTolerance = 1e-4;

    /// <summary>Slack on "in [0, 1]" and "sums to 1" of the softmax check.</summary>
    public const double ProbabilityTolerance = 1e-5;

    /// <summary>Accuracy gap (fraction of points) by which Square may beat the white-box attacks.</summary>
    public const double SquareMargin = 0.002;

    /// <summary>Repeated forward passes disagree in correct count or in normalised logits.</summary>
    public static EvaluationFlag? Randomness(ILogitModel model, AttackBatch batch)
    {
        var shape = batch.ShapeOf(batch.Count);
        float[]? first = null;
        int firstCorrect = 0, classes = 0;
        double maxDiff = 0;
        bool countsDiffer = false;
        for (int pass = 0; pass < RandomnessPasses; pass++)
        {
            var logits = LogitEvaluator.Logits(model, batch.Images, shape, out classes);
            var predictions = LogitEvaluator.ArgMaxRows(logits, classes);
            int correct = predictions.Where((p, i) => p == batch.Labels[i]).Count();
            Normalize(logits, classes);
            if (first is null)
            {
                first = logits;
                firstCorrect = correct;
                continue;
            }
            countsDiffer |= correct != firstCorrect;
            maxDiff = Math.Max(maxDiff, MaxRowDistance(first, logits, classes));
        }
        if (!countsDiffer && maxDiff <= RandomnessTolerance) return null;
        return new EvaluationFlag(EvaluationFlag.Randomized,
            $"{RandomnessPasses} forward passes of the same {batch.Count} images disagree (correct counts differ: {countsDiffer}; max distance of normalised logits {maxDiff:G3}). The model looks randomised; standard AutoAttack is not a valid evaluation for it (use EoT / an adaptive attack).");
    }

    /// <summary>Outputs are in [0, 1] and every row sums to 1: probabilities, not logits.</summary>
    public static EvaluationFlag? SoftmaxOutput(ILogitModel model, AttackBatch batch)
    {
        var logits = LogitEvaluator.Logits(model, batch.Images, batch.ShapeOf(batch.Count), out int classes);
        if (logits.Min() <= -ProbabilityTolerance || logits.Max() >= 1 + ProbabilityTolerance) return null;
        for (int r = 0; r < batch.Count; r++)
        {
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += logits[r * classes + c];
            if (Math.Abs(sum - 1) > ProbabilityTolerance) return null;
        }
        return new EvaluationFlag(EvaluationFlag.SoftmaxOutput,
            "The model's outputs are non-negative rows summing to 1: it returns probabilities, not logits. Gradient attacks saturate on them; evaluate the logits.");
    }

    /// <summary>
    /// Correctly classified points whose input gradient (of DLR, or CE with fewer than 3 classes) is
    /// exactly zero at the clean image. Only correct points are checked: the official check runs
    /// inside APGD, which attacks only the points still robust, and a misclassified point whose true
    /// class is the third logit has a flat DLR by construction (−(z_y − z_π1)/(z_π1 − z_π3) = 1), so
    /// counting it would flag honest models.
    /// </summary>
    public static EvaluationFlag? ZeroGradients(ILogitModel model, AttackBatch batch, int classes)
    {
        var loss = classes >= 3 ? AttackLoss.Dlr : AttackLoss.CrossEntropy;
        var eval = LogitEvaluator.LossGradient(model, batch.Images, batch.ShapeOf(batch.Count), loss, batch.Labels);
        var predictions = LogitEvaluator.ArgMaxRows(eval.Logits, eval.Classes);
        int zero = 0, correct = 0;
        for (int s = 0; s < batch.Count; s++)
        {
            if (predictions[s] != batch.Labels[s]) continue;
            correct++;
            if (AllZero(eval.Grad.AsSpan(s * batch.ImageSize, batch.ImageSize))) zero++;
        }
        if (zero == 0) return null;
        return new EvaluationFlag(EvaluationFlag.ZeroGradients,
            $"{zero} of the {correct} correctly classified points checked have an exactly zero {loss.Name} input gradient: white-box attacks cannot move them, so the robust accuracy may be overestimated (gradient masking).");
    }

    /// <summary>Attacks that need more classes than the model has.</summary>
    public static EvaluationFlag? Classes(IEnumerable<IAttack> attacks, int classes)
    {
        var problems = new List<string>();
        foreach (var attack in attacks)
        {
            if (attack is ApgdTargetedAttack t)
            {
                if (classes < ApgdTargetedAttack.MinClasses) problems.Add($"{attack.Name} needs ≥ {ApgdTargetedAttack.MinClasses} classes and is skipped");
                else if (t.Config.TargetClasses + 1 > classes) problems.Add($"{attack.Name} runs {TargetSelection.Count(t.Config.TargetClasses, classes)} targets instead of {t.Config.TargetClasses}");
            }
            else if (attack is FabTargetedAttack f && f.Config.TargetClasses + 1 > classes)
            {
                problems.Add($"{attack.Name} runs {TargetSelection.Count(f.Config.TargetClasses, classes)} targets instead of {f.Config.TargetClasses}");
            }
            else if (attack is ApgdAttack { Config.Loss: ApgdLoss.Dlr } && classes < 3)
            {
                problems.Add($"{attack.Name} needs ≥ 3 classes and is skipped");
            }
        }
        return problems.Count == 0 ? null : new EvaluationFlag(EvaluationFlag.TooFewClasses, $"The model has {classes} classes: {string.Join("; ", problems)}.");
    }

    /// <summary>
    /// Square lowered accuracy by more than <see cref="SquareMargin"/> below every other recorded
    /// accuracy (clean and after each white-box attack).
    /// </summary>
    public static EvaluationFlag? SquareBeatsWhiteBox(double cleanAccuracy, IReadOnlyList<AttackSummary> attacks)
    {
        var square = attacks.FirstOrDefault(a => a.Name == "square" && a.Skipped is null);
        var others = attacks.Where(a => a.Name != "square" && a.Skipped is null).Select(a => a.AccuracyAfter).Append(cleanAccuracy).ToList();
        if (square is null || others.Count < 2) return null;
        double best = others.Min();
        if (square.AccuracyAfter >= best - SquareMargin) return null;
        return new EvaluationFlag(EvaluationFlag.SquareBeatsWhiteBox,
            $"The black-box Square attack lowered robust accuracy to {square.AccuracyAfter:P2}, below the white-box attacks' {best:P2} by more than {SquareMargin:P1}: a sign of gradient masking.");
    }

    private static bool AllZero(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (v != 0f) return false;
        }
        return true;
    }

    private static void Normalize(float[] logits, int classes)
    {
        for (int r = 0; r < logits.Length / classes; r++)
        {
            var row = logits.AsSpan(r * classes, classes);
            double norm = 0;
            foreach (float v in row) norm += (double)v * v;
            float scale = (float)(1 / (Math.Sqrt(norm) + 1e-10));
            for (int c = 0; c < classes; c++) row[c] *= scale;
        }
    }

    private static double MaxRowDistance(float[] a, float[] b, int classes)
    {
        double max = 0;
        for (int r = 0; r < a.Length / classes; r++)
        {
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                double d = a[r * classes + c] - b[r * classes + c];
                sum += d * d;
            }
            max = Math.Max(max, Math.Sqrt(sum));
        }
        return max;
    }
}
