namespace AutoLoRa.Robust;

/// <summary>
/// The attack losses on one row of logits, each with its hand-derived gradient. Arithmetic is in
/// double so that the 1e-12 denominators of DLR mean what they say.
/// </summary>
public static class LogitLosses
{
    /// <summary>Added to DLR denominators, as in the APGD paper.</summary>
    public const double DlrEpsilon = 1e-12;

    /// <summary>−log softmax(z)_y; gradient softmax(z) − onehot(y).</summary>
    public static float CrossEntropy(ReadOnlySpan<float> z, int y, int target, Span<float> grad)
    {
        double max = double.NegativeInfinity;
        foreach (float v in z) max = Math.Max(max, v);
        double sum = 0;
        foreach (float v in z) sum += Math.Exp(v - max);
        double logSum = Math.Log(sum) + max;
        for (int i = 0; i < z.Length; i++) grad[i] = (float)Math.Exp(z[i] - logSum);
        grad[y] -= 1f;
        return (float)(logSum - z[y]);
    }

    /// <summary>−(z_y − max_{i≠y} z_i)/(z_π1 − z_π3 + 1e-12).</summary>
    public static float Dlr(ReadOnlySpan<float> z, int y, int target, Span<float> grad)
    {
        RequireClasses(z, 3, "DLR");
        var order = Descending(z);
        // The strongest other class is π2 when y is on top, else π1.
        int other = order[0] == y ? order[1] : order[0];
        double u = (double)z[y] - z[other];
        double d = (double)z[order[0]] - z[order[2]] + DlrEpsilon;
        grad[y] += (float)(-1 / d);
        grad[other] += (float)(1 / d);
        grad[order[0]] += (float)(u / (d * d));
        grad[order[2]] -= (float)(u / (d * d));
        return (float)(-u / d);
    }

    /// <summary>−(z_y − z_t)/(z_π1 − ½(z_π3 + z_π4) + 1e-12).</summary>
    public static float TargetedDlr(ReadOnlySpan<float> z, int y, int target, Span<float> grad)
    {
        RequireClasses(z, 4, "targeted DLR");
        if ((uint)target >= (uint)z.Length) throw new ArgumentException($"Targeted DLR needs a target class in [0, {z.Length}); got {target}.");
        var order = Descending(z);
        double u = (double)z[y] - z[target];
        double d = (double)z[order[0]] - 0.5 * ((double)z[order[2]] + z[order[3]]) + DlrEpsilon;
        grad[y] += (float)(-1 / d);
        grad[target] += (float)(1 / d);
        grad[order[0]] += (float)(u / (d * d));
        grad[order[2]] -= (float)(0.5 * u / (d * d));
        grad[order[3]] -= (float)(0.5 * u / (d * d));
        return (float)(-u / d);
    }

    /// <summary>z_y − max_{i≠y} z_i; gradient +1 at y, −1 at the strongest other class.</summary>
    public static float Margin(ReadOnlySpan<float> z, int y, int target, Span<float> grad)
    {
        int other = StrongestOther(z, y);
        grad[y] += 1f;
        grad[other] -= 1f;
        return z[y] - z[other];
    }

    /// <summary>z_t − z_y: FAB-T's linearised decision function (positive once the target wins).</summary>
    public static float TargetDifference(ReadOnlySpan<float> z, int y, int target, Span<float> grad)
    {
        grad[target] += 1f;
        grad[y] -= 1f;
        return z[target] - z[y];
    }

    /// <summary>The class with the largest logit other than <paramref name="y"/> (first on ties).</summary>
    public static int StrongestOther(ReadOnlySpan<float> z, int y)
    {
        int best = -1;
        for (int i = 0; i < z.Length; i++)
        {
            if (i != y && (best < 0 || z[i] > z[best])) best = i;
        }
        return best;
    }

    /// <summary>Class indices by logit, largest first (stable: lower index first on ties).</summary>
    public static int[] Descending(ReadOnlySpan<float> z)
    {
        var order = new int[z.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var values = z.ToArray();
        Array.Sort(order, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        return order;
    }

    private static void RequireClasses(ReadOnlySpan<float> z, int min, string loss)
    {
        if (z.Length < min) throw new ArgumentException($"The {loss} loss needs at least {min} classes; the model has {z.Length}.");
    }
}
