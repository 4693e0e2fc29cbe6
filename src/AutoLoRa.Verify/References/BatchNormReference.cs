namespace AutoLoRa.Verify.References;

/// <summary>Batch-norm over (N, C, HW) in double, straight from the formulas (PyTorch semantics).</summary>
public static class BatchNormReference
{
    /// <summary>Outputs and statistics of a training-mode forward pass.</summary>
    public sealed record Training(float[] Y, float[] Mean, float[] InvStd, float[] RunningMean, float[] RunningVar);

    /// <summary>Batch-norm with batch statistics and updated running ones, in double precision.</summary>
    public static Training ForwardTraining(int n, int c, int hw, float[] x, float[] gamma, float[] beta,
        float[] runningMean, float[] runningVar, double momentum, double eps)
    {
        var y = new float[x.Length];
        var mean = new float[c];
        var invStd = new float[c];
        var rm = (float[])runningMean.Clone();
        var rv = (float[])runningVar.Clone();
        int m = n * hw;
        for (int ch = 0; ch < c; ch++)
        {
            double mu = 0;
            foreach (int i in Indices(n, c, hw, ch)) mu += x[i];
            mu /= m;
            double var = 0;
            foreach (int i in Indices(n, c, hw, ch)) var += (x[i] - mu) * (x[i] - mu);
            var /= m; // biased: what normalises
            double inv = 1 / Math.Sqrt(var + eps);
            foreach (int i in Indices(n, c, hw, ch)) y[i] = (float)(gamma[ch] * (x[i] - mu) * inv + beta[ch]);
            mean[ch] = (float)mu;
            invStd[ch] = (float)inv;
            rm[ch] = (float)((1 - momentum) * runningMean[ch] + momentum * mu);
            rv[ch] = (float)((1 - momentum) * runningVar[ch] + momentum * var * m / (m - 1)); // unbiased
        }
        return new Training(y, mean, invStd, rm, rv);
    }

    /// <summary>Batch-norm with the given running statistics, in double precision.</summary>
    public static float[] ForwardInference(int n, int c, int hw, float[] x, float[] gamma, float[] beta,
        float[] runningMean, float[] runningVar, double eps)
    {
        var y = new float[x.Length];
        for (int ch = 0; ch < c; ch++)
        {
            foreach (int i in Indices(n, c, hw, ch))
            {
                y[i] = (float)(gamma[ch] * (x[i] - (double)runningMean[ch]) / Math.Sqrt(runningVar[ch] + eps) + beta[ch]);
            }
        }
        return y;
    }

    /// <summary>
    /// dx = γ·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy, with the statistics
    /// recomputed here in double from x (so the backend's saved ones are checked, not trusted).
    /// </summary>
    public static (float[] Dx, float[] DGamma, float[] DBeta) Backward(int n, int c, int hw, float[] x, float[] dy,
        float[] gamma, double eps)
    {
        var dx = new float[x.Length];
        var dgamma = new float[c];
        var dbeta = new float[c];
        int m = n * hw;
        for (int ch = 0; ch < c; ch++)
        {
            double mu = 0, var = 0;
            foreach (int i in Indices(n, c, hw, ch)) mu += x[i];
            mu /= m;
            foreach (int i in Indices(n, c, hw, ch)) var += (x[i] - mu) * (x[i] - mu);
            double inv = 1 / Math.Sqrt(var / m + eps);
            double sumDy = 0, sumDyXHat = 0;
            foreach (int i in Indices(n, c, hw, ch))
            {
                sumDy += dy[i];
                sumDyXHat += dy[i] * (x[i] - mu) * inv;
            }
            foreach (int i in Indices(n, c, hw, ch))
            {
                double xHat = (x[i] - mu) * inv;
                dx[i] = (float)(gamma[ch] * inv / m * (m * (double)dy[i] - sumDy - xHat * sumDyXHat));
            }
            dgamma[ch] = (float)sumDyXHat;
            dbeta[ch] = (float)sumDy;
        }
        return (dx, dgamma, dbeta);
    }

    private static IEnumerable<int> Indices(int n, int c, int hw, int ch)
    {
        for (int b = 0; b < n; b++)
        for (int i = 0; i < hw; i++) yield return (b * c + ch) * hw + i;
    }
}
