namespace AutoLoRa.Robust;

/// <summary>
/// A per-sample loss of the logits that an attack maximises (or, for the margin, minimises), with
/// its gradient with respect to the logits. Evaluated on the host: logits are (N, classes), tiny
/// next to the forward and backward passes that stay on the backend.
/// </summary>
/// <param name="Name">Short name used in reports ("ce", "dlr", "dlr-targeted", "margin").</param>
/// <param name="Row">Loss of one row of logits: (logits, label, target or −1, dLoss/dLogits out) → loss.</param>
public sealed record AttackLoss(string Name, AttackLoss.RowLoss Row)
{
    /// <summary>Loss of one logit row; writes its gradient into <paramref name="grad"/> (zeroed by the caller).</summary>
    public delegate float RowLoss(ReadOnlySpan<float> logits, int label, int target, Span<float> grad);

    /// <summary>Cross-entropy −log softmax(z)_y.</summary>
    public static AttackLoss CrossEntropy { get; } = new("ce", LogitLosses.CrossEntropy);

    /// <summary>Difference of logits ratio −(z_y − max_{i≠y} z_i)/(z_π1 − z_π3 + 1e-12); needs ≥ 3 classes.</summary>
    public static AttackLoss Dlr { get; } = new("dlr", LogitLosses.Dlr);

    /// <summary>Targeted DLR −(z_y − z_t)/(z_π1 − ½(z_π3 + z_π4) + 1e-12); needs ≥ 4 classes.</summary>
    public static AttackLoss TargetedDlr { get; } = new("dlr-targeted", LogitLosses.TargetedDlr);

    /// <summary>z_t − z_y, the function whose zero set FAB-T projects onto.</summary>
    public static AttackLoss TargetDifference { get; } = new("target-difference", LogitLosses.TargetDifference);

    /// <summary>Margin z_y − max_{i≠y} z_i (negative once misclassified).</summary>
    public static AttackLoss Margin { get; } = new("margin", LogitLosses.Margin);

    /// <summary>
    /// Loss per row and dLoss/dLogits for logits (rows × classes). <paramref name="targets"/> may be
    /// null for untargeted losses.
    /// </summary>
    public (float[] Loss, float[] Grad) Evaluate(float[] logits, int classes, int[] labels, int[]? targets)
    {
        int rows = labels.Length;
        if (logits.Length != rows * classes) throw new ArgumentException($"{Name} loss: {logits.Length} logits do not form {rows} rows of {classes} classes.");
        var loss = new float[rows];
        var grad = new float[logits.Length];
        for (int r = 0; r < rows; r++)
        {
            loss[r] = Row(logits.AsSpan(r * classes, classes), labels[r], targets?[r] ?? -1, grad.AsSpan(r * classes, classes));
        }
        return (loss, grad);
    }
}
