namespace AutoLoRa.Robust;

/// <summary>
/// Target classes for the targeted attacks: the k-th highest clean logit, k = 2 … TargetClasses + 1,
/// and fewer when the model has fewer classes.
/// </summary>
public static class TargetSelection
{
    /// <summary>How many targets are run for a model with <paramref name="classes"/> classes.</summary>
    public static int Count(int requested, int classes) => Math.Max(0, Math.Min(requested, classes - 1));

    /// <summary>The class with the <paramref name="rank"/>-th highest logit (rank 1 = the prediction) per row.</summary>
    public static int[] KthHighest(float[] logits, int classes, int rank)
    {
        int rows = logits.Length / classes;
        var result = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            result[r] = LogitLosses.Descending(logits.AsSpan(r * classes, classes))[rank - 1];
        }
        return result;
    }
}
