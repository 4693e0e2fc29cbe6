using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.References;

/// <summary>Naive pooling over every window position, padding treated as "not there" (max) or zero (average).</summary>
public static class PoolReference
{
    /// <summary>Max pooling by its definition, with the index of each window's maximum.</summary>
    public static (float[] Y, int[] ArgMax) MaxForward(PoolGeometry g, float[] x)
    {
        int oh = g.OutH, ow = g.OutW;
        var y = new float[g.OutputSize];
        var arg = new int[g.OutputSize];
        for (int p = 0; p < g.N * g.C; p++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            float best = 0;
            int bestAt = -1;
            for (int a = 0; a < g.Kernel; a++)
            for (int b = 0; b < g.Kernel; b++)
            {
                int h = i * g.Stride - g.Pad + a, w = j * g.Stride - g.Pad + b;
                if (h < 0 || h >= g.H || w < 0 || w >= g.W) continue;
                float v = x[(p * g.H + h) * g.W + w];
                if (bestAt < 0 || v > best) // strict: the first maximum in row-major window order wins
                {
                    best = v;
                    bestAt = h * g.W + w;
                }
            }
            y[(p * oh + i) * ow + j] = best;
            arg[(p * oh + i) * ow + j] = bestAt;
        }
        return (y, arg);
    }

    /// <summary>dx[argmax] += dy for each output, from the reference's own argmax.</summary>
    public static float[] MaxBackward(PoolGeometry g, int[] argMax, float[] dy)
    {
        var dx = new float[g.InputSize];
        int plane = g.OutH * g.OutW;
        for (int o = 0; o < dy.Length; o++) dx[o / plane * g.H * g.W + argMax[o]] += dy[o];
        return dx;
    }

    /// <summary>Average pooling by its definition, padding counted.</summary>
    public static float[] AvgForward(PoolGeometry g, float[] x)
    {
        int oh = g.OutH, ow = g.OutW;
        var y = new float[g.OutputSize];
        for (int p = 0; p < g.N * g.C; p++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double sum = 0;
            for (int a = 0; a < g.Kernel; a++)
            for (int b = 0; b < g.Kernel; b++)
            {
                int h = i * g.Stride - g.Pad + a, w = j * g.Stride - g.Pad + b;
                if (h >= 0 && h < g.H && w >= 0 && w < g.W) sum += x[(p * g.H + h) * g.W + w];
            }
            y[(p * oh + i) * ow + j] = (float)(sum / (g.Kernel * g.Kernel));
        }
        return y;
    }

    /// <summary>dx[h, w] = Σ over the windows containing (h, w) of dy / Kernel².</summary>
    public static float[] AvgBackward(PoolGeometry g, float[] dy)
    {
        int oh = g.OutH, ow = g.OutW;
        var dx = new float[g.InputSize];
        for (int p = 0; p < g.N * g.C; p++)
        for (int h = 0; h < g.H; h++)
        for (int w = 0; w < g.W; w++)
        {
            double sum = 0;
            for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
            {
                int a = h - (i * g.Stride - g.Pad), b = w - (j * g.Stride - g.Pad);
                if (a >= 0 && a < g.Kernel && b >= 0 && b < g.Kernel) sum += dy[(p * oh + i) * ow + j];
            }
            dx[(p * g.H + h) * g.W + w] = (float)(sum / (g.Kernel * g.Kernel));
        }
        return dx;
    }
}
