using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.Cases;

/// <summary>The AdamW update against torch.optim.AdamW's formula in double precision, on lengths with SIMD and float4 tails.</summary>
public static class OptimizerReferenceCases
{
    /// <summary>
    /// Two AdamW steps on the same state (t = 1, then t = 3 with another learning rate), from
    /// moments as a run leaves them (v ≥ 0) and gradients spanning four decades, so that both the
    /// m/√v ratio and eps matter somewhere.
    /// </summary>
    public static PrimitiveCase AdamW(int n)
    {
        var data = new SeededData(60 + n);
        var p = data.Uniform(n);
        var g = data.Uniform(n).Select((x, i) => x * MathF.Pow(10f, -(i % 4))).ToArray();
        var m = data.Uniform(n, -0.1f, 0.1f);
        var v = data.Uniform(n, 0f, 1e-3f);
        const float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, wd = 0.05f;
        (float Lr, int Step)[] steps = [(1e-3f, 1), (3e-4f, 3)];
        var tolerance = new Tolerance(1e-5, 1e-7, "a square root and a division per element in float against double; m/√v is near 1 where g dominates");
        var c = new CaseBuffers();
        int dp = c.InOut(p, tolerance, "parameter"), dg = c.In(g), dm = c.InOut(m, tolerance, "m"), dv = c.InOut(v, tolerance, "v");
        return new()
        {
            Family = "optimizers vs reference", Name = $"adamw two steps n={n}", Shape = $"{n}", Buffers = c,
            Run = (be, b) =>
            {
                foreach (var (lr, t) in steps)
                {
                    var (stepSize, bias2Sqrt) = Corrections(lr, beta1, beta2, t);
                    be.AdamWUpdate(n, b[dp], b[dg], b[dm], b[dv], lr, beta1, beta2, eps, wd, stepSize, bias2Sqrt);
                }
            },
            HostReference = _ =>
            {
                double[] ep = [.. p.Select(x => (double)x)], em = [.. m.Select(x => (double)x)], ev = [.. v.Select(x => (double)x)];
                foreach (var (lr, t) in steps)
                {
                    double bias1 = 1 - Math.Pow(beta1, t), bias2 = 1 - Math.Pow(beta2, t);
                    for (int i = 0; i < n; i++)
                    {
                        ep[i] *= 1 - (double)lr * wd;
                        em[i] = beta1 * em[i] + (1 - (double)beta1) * g[i];
                        ev[i] = beta2 * ev[i] + (1 - (double)beta2) * g[i] * g[i];
                        ep[i] -= lr / bias1 * em[i] / (Math.Sqrt(ev[i]) / Math.Sqrt(bias2) + eps);
                    }
                }
                return [ep.Select(x => (float)x).ToArray(), em.Select(x => (float)x).ToArray(), ev.Select(x => (float)x).ToArray()];
            },
            Cost = new([new("adamw_f32", n, n), new("adamw_f32", n, n)]),
        };
    }

    /// <summary>stepSize = lr/(1 − β1ᵗ) and sqrt(1 − β2ᵗ), in double as Training's AdamW computes them.</summary>
    private static (float StepSize, float Bias2Sqrt) Corrections(float lr, float beta1, float beta2, int t) =>
        ((float)(lr / (1 - Math.Pow(beta1, t))), (float)Math.Sqrt(1 - Math.Pow(beta2, t)));
}
