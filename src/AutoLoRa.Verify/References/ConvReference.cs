using AutoLoRa.Core.Backends;

namespace AutoLoRa.Verify.References;

/// <summary>
/// Direct-loop convolution in double, written from the definition
/// y[n,k,oh,ow] = Σ_{c,r,s} w[k,c,r,s] · x[n,c,oh·sh − ph + r, ow·sw − pw + s] (zero outside x).
/// Each gradient is its own loop nest over the quantity it produces, so none shares code (or
/// mistakes) with the backend's lowering.
/// </summary>
public static class ConvReference
{
    /// <summary>The convolution by its definition, in double precision.</summary>
    public static float[] Forward(ConvGeometry g, float[] x, float[] w, float[]? bias)
    {
        int oh = g.OutH, ow = g.OutW;
        var y = new float[g.N * g.K * oh * ow];
        for (int n = 0; n < g.N; n++)
        for (int k = 0; k < g.K; k++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double acc = bias is null ? 0 : bias[k];
            for (int c = 0; c < g.C; c++)
            for (int r = 0; r < g.R; r++)
            for (int s = 0; s < g.S; s++)
            {
                int h = i * g.StrideH - g.PadH + r;
                int v = j * g.StrideW - g.PadW + s;
                if (h < 0 || h >= g.H || v < 0 || v >= g.W) continue;
                acc += (double)w[((k * g.C + c) * g.R + r) * g.S + s] * x[((n * g.C + c) * g.H + h) * g.W + v];
            }
            y[((n * g.K + k) * oh + i) * ow + j] = (float)acc;
        }
        return y;
    }

    /// <summary>
    /// dx[n,c,h,v] = Σ_{k,r,s} w[k,c,r,s] · dy[n,k,i,j] over the output positions (i, j) whose
    /// window puts tap (r, s) on (h, v): i·sh = h + ph − r (exactly divisible, in range).
    /// </summary>
    public static float[] BackwardData(ConvGeometry g, float[] dy, float[] w)
    {
        int oh = g.OutH, ow = g.OutW;
        var dx = new float[g.N * g.C * g.H * g.W];
        for (int n = 0; n < g.N; n++)
        for (int c = 0; c < g.C; c++)
        for (int h = 0; h < g.H; h++)
        for (int v = 0; v < g.W; v++)
        {
            double acc = 0;
            for (int r = 0; r < g.R; r++)
            {
                int ti = h + g.PadH - r;
                if (ti < 0 || ti % g.StrideH != 0 || ti / g.StrideH >= oh) continue;
                int i = ti / g.StrideH;
                for (int s = 0; s < g.S; s++)
                {
                    int tj = v + g.PadW - s;
                    if (tj < 0 || tj % g.StrideW != 0 || tj / g.StrideW >= ow) continue;
                    int j = tj / g.StrideW;
                    for (int k = 0; k < g.K; k++)
                    {
                        acc += (double)w[((k * g.C + c) * g.R + r) * g.S + s] * dy[((n * g.K + k) * oh + i) * ow + j];
                    }
                }
            }
            dx[((n * g.C + c) * g.H + h) * g.W + v] = (float)acc;
        }
        return dx;
    }

    /// <summary>dw[k,c,r,s] = Σ_{n,i,j} dy[n,k,i,j] · x[n,c,i·sh − ph + r, j·sw − pw + s].</summary>
    public static float[] BackwardFilter(ConvGeometry g, float[] x, float[] dy)
    {
        int oh = g.OutH, ow = g.OutW;
        var dw = new float[g.K * g.C * g.R * g.S];
        for (int k = 0; k < g.K; k++)
        for (int c = 0; c < g.C; c++)
        for (int r = 0; r < g.R; r++)
        for (int s = 0; s < g.S; s++)
        {
            double acc = 0;
            for (int n = 0; n < g.N; n++)
            for (int i = 0; i < oh; i++)
            {
                int h = i * g.StrideH - g.PadH + r;
                if (h < 0 || h >= g.H) continue;
                for (int j = 0; j < ow; j++)
                {
                    int v = j * g.StrideW - g.PadW + s;
                    if (v < 0 || v >= g.W) continue;
                    acc += (double)dy[((n * g.K + k) * oh + i) * ow + j] * x[((n * g.C + c) * g.H + h) * g.W + v];
                }
            }
            dw[((k * g.C + c) * g.R + r) * g.S + s] = (float)acc;
        }
        return dw;
    }
}
