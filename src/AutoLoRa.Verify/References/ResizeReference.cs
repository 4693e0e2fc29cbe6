using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.References;

/// <summary>
/// Resizing (bilinear with align_corners=False, or nearest) as two dense interpolation matrices in double:
/// y = A_h · x · A_wᵀ per plane, and the backward as the transposed map dx = A_hᵀ · dy · A_w.
/// Written from the definition, not from the backends' loops, so it also checks that their
/// backward really is the forward's transpose.
/// </summary>
public static class ResizeReference
{
    /// <summary>The resize by its definition.</summary>
    public static float[] Forward(ResizeGeometry g, float[] x) =>
        Apply(g.N * g.C, Matrix(g.Mode, g.H, g.OutH), Matrix(g.Mode, g.W, g.OutW), x, g.H, g.W, transpose: false);

    /// <summary>The resize's input gradient by its definition.</summary>
    public static float[] Backward(ResizeGeometry g, float[] dy) =>
        Apply(g.N * g.C, Matrix(g.Mode, g.H, g.OutH), Matrix(g.Mode, g.W, g.OutW), dy, g.OutH, g.OutW, transpose: true);

    /// <summary>
    /// (out × in) weights. Bilinear: row d holds 1 − f at ⌊s⌋ and f at min(⌊s⌋ + 1, in − 1),
    /// s = max((d + ½)·in/out − ½, 0). Nearest: 1 at min(⌊d·in/out⌋, in − 1), PyTorch's rule with
    /// its float scale (in double, d·in/out could land on the other side of an integer).
    /// </summary>
    public static double[,] Matrix(ResizeMode mode, int inSize, int outSize)
    {
        var m = new double[outSize, inSize];
        double scale = (double)inSize / outSize;
        for (int d = 0; d < outSize; d++)
        {
            if (mode == ResizeMode.Nearest)
            {
                m[d, Math.Min((int)Math.Floor((double)(d * ((float)inSize / outSize))), inSize - 1)] = 1;
                continue;
            }
            double s = Math.Max((d + 0.5) * scale - 0.5, 0);
            int i0 = (int)Math.Floor(s);
            double f = s - i0;
            m[d, i0] += 1 - f;
            m[d, Math.Min(i0 + 1, inSize - 1)] += f;
        }
        return m;
    }

    private static float[] Apply(int planes, double[,] rows, double[,] cols, float[] input, int inH, int inW, bool transpose)
    {
        int outH = transpose ? rows.GetLength(1) : rows.GetLength(0);
        int outW = transpose ? cols.GetLength(1) : cols.GetLength(0);
        var result = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++)
        for (int a = 0; a < outH; a++)
        for (int b = 0; b < outW; b++)
        {
            double sum = 0;
            for (int i = 0; i < inH; i++)
            for (int j = 0; j < inW; j++)
            {
                double wr = transpose ? rows[i, a] : rows[a, i];
                double wc = transpose ? cols[j, b] : cols[b, j];
                sum += wr * wc * input[(p * inH + i) * inW + j];
            }
            result[(p * outH + a) * outW + b] = (float)sum;
        }
        return result;
    }
}
