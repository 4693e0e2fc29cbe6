namespace AutoLoRa.Cuda.Runtime;

/// <summary>
/// Reference versions of the cuDNN calls we make: NCHW cross-correlation with padding, stride and
/// dilation; SPATIAL batch-norm (running variance unbiased, saved inverse variance
/// 1/sqrt(biased var + ε), running = (1 − factor)·running + factor·batch); average pooling that
/// counts padding. Accumulation in double. Descriptors that disagree with each other are
/// CUDNN_STATUS_BAD_PARAM, as cuDNN reports them.
/// </summary>
public sealed unsafe partial class EmulatedRuntime
{
    /// <inheritdoc/>
    public void ConvolutionForward(in TensorDesc xDesc, ulong x, in FilterDesc wDesc, ulong w, in ConvDesc conv, in TensorDesc yDesc, ulong y)
    {
        CheckConv("cudnnConvolutionForward", xDesc, wDesc, conv, yDesc);
        float* px = (float*)x, pw = (float*)w;
        Convolve(xDesc, wDesc, conv, yDesc, (float*)y, yDesc.Count, new ForwardTerm(px, pw, Tf32Operands));
    }

    /// <inheritdoc/>
    public void ConvolutionBackwardData(in FilterDesc wDesc, ulong w, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in TensorDesc dxDesc, ulong dx)
    {
        CheckConv("cudnnConvolutionBackwardData", dxDesc, wDesc, conv, dyDesc);
        float* pw = (float*)w, pdy = (float*)dy;
        Convolve(dxDesc, wDesc, conv, dyDesc, (float*)dx, dxDesc.Count, new BackwardDataTerm(pw, pdy, Tf32Operands));
    }

    /// <inheritdoc/>
    public void ConvolutionBackwardFilter(in TensorDesc xDesc, ulong x, in TensorDesc dyDesc, ulong dy, in ConvDesc conv, in FilterDesc dwDesc, ulong dw)
    {
        CheckConv("cudnnConvolutionBackwardFilter", xDesc, dwDesc, conv, dyDesc);
        float* px = (float*)x, pdy = (float*)dy;
        Convolve(xDesc, dwDesc, conv, dyDesc, (float*)dw, dwDesc.Count, new BackwardFilterTerm(px, pdy, Tf32Operands));
    }

    /// <inheritdoc/>
    public void BatchNormForwardTraining(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias, double exponentialAverageFactor,
        ulong runningMean, ulong runningVariance, double epsilon, ulong saveMean, ulong saveInvVariance)
    {
        var xd = xDesc;
        CheckBatchNorm("cudnnBatchNormalizationForwardTraining", xd, epsilon);
        long m = (long)xd.N * xd.H * xd.W;
        float* px = (float*)x, py = (float*)y, g = (float*)scale, b = (float*)bias;
        float* rm = (float*)runningMean, rv = (float*)runningVariance, sm = (float*)saveMean, si = (float*)saveInvVariance;
        double f = exponentialAverageFactor;
        for (int c = 0; c < xd.C; c++)
        {
            var (mean, variance) = ChannelMoments(xd, px, c);
            double inv = 1 / Math.Sqrt(variance + epsilon);
            ForChannel(xd, c, i => py[i] = (float)(g[c] * (px[i] - mean) * inv + b[c]));
            rm[c] = (float)((1 - f) * rm[c] + f * mean);
            rv[c] = (float)((1 - f) * rv[c] + f * variance * m / Math.Max(1, m - 1));
            if (saveMean != 0) sm[c] = (float)mean;
            if (saveInvVariance != 0) si[c] = (float)inv;
        }
    }

    /// <inheritdoc/>
    public void BatchNormForwardInference(in TensorDesc xDesc, ulong x, ulong y, ulong scale, ulong bias,
        ulong estimatedMean, ulong estimatedVariance, double epsilon)
    {
        var xd = xDesc;
        CheckBatchNorm("cudnnBatchNormalizationForwardInference", xd, epsilon);
        float* px = (float*)x, py = (float*)y, g = (float*)scale, b = (float*)bias, em = (float*)estimatedMean, ev = (float*)estimatedVariance;
        for (int c = 0; c < xd.C; c++)
        {
            double inv = 1 / Math.Sqrt(ev[c] + epsilon);
            ForChannel(xd, c, i => py[i] = (float)(g[c] * (px[i] - em[c]) * inv + b[c]));
        }
    }

    /// <inheritdoc/>
    public void BatchNormBackward(in TensorDesc xDesc, ulong x, ulong dy, ulong dx, ulong scale, ulong dScale, ulong dBias,
        double epsilon, ulong savedMean, ulong savedInvVariance)
    {
        var xd = xDesc;
        CheckBatchNorm("cudnnBatchNormalizationBackward", xd, epsilon);
        if ((savedMean == 0) != (savedInvVariance == 0)) throw BadParam("cudnnBatchNormalizationBackward", "savedMean and savedInvVariance must both be given or both be NULL");
        long m = (long)xd.N * xd.H * xd.W;
        float* px = (float*)x, pdy = (float*)dy, pdx = (float*)dx, g = (float*)scale, dg = (float*)dScale, db = (float*)dBias;
        for (int c = 0; c < xd.C; c++)
        {
            double mean, inv;
            // The saved mean is the batch mean rounded to float; with a large offset its rounding
            // error, scaled by 1/σ, would leak into x̂, so the mean is taken again in double
            // (as CpuBackend recovers it). The saved inverse variance is used as given.
            if (savedMean != 0) (mean, inv) = (ChannelMoments(xd, px, c).Mean, ((float*)savedInvVariance)[c]);
            else
            {
                var (mu, variance) = ChannelMoments(xd, px, c);
                (mean, inv) = (mu, 1 / Math.Sqrt(variance + epsilon));
            }
            double sumDy = 0, sumDyXhat = 0;
            ForChannel(xd, c, i =>
            {
                sumDy += pdy[i];
                sumDyXhat += pdy[i] * (px[i] - mean) * inv;
            });
            double k = g[c] * inv / m;
            ForChannel(xd, c, i => pdx[i] = (float)(k * (m * pdy[i] - sumDy - (px[i] - mean) * inv * sumDyXhat)));
            dg[c] = (float)sumDyXhat;
            db[c] = (float)sumDy;
        }
    }

    /// <inheritdoc/>
    public void PoolingForward(in PoolDesc pool, in TensorDesc xDesc, ulong x, in TensorDesc yDesc, ulong y)
    {
        var (pd, xd, yd) = (pool, xDesc, yDesc);
        CheckPool("cudnnPoolingForward", pd, xd, yd);
        float* px = (float*)x, py = (float*)y;
        double inv = 1.0 / (pd.WindowH * pd.WindowW);
        for (int p = 0; p < xd.N * xd.C; p++)
        for (int oh = 0; oh < yd.H; oh++)
        for (int ow = 0; ow < yd.W; ow++)
        {
            double sum = 0;
            ForWindow(pd, xd, oh, ow, (h, w) => sum += px[((long)p * xd.H + h) * xd.W + w]);
            py[((long)p * yd.H + oh) * yd.W + ow] = (float)(sum * inv);
        }
    }

    /// <inheritdoc/>
    public void PoolingBackward(in PoolDesc pool, in TensorDesc yDesc, ulong y, ulong dy, in TensorDesc xDesc, ulong x, ulong dx)
    {
        var (pd, xd, yd) = (pool, xDesc, yDesc);
        CheckPool("cudnnPoolingBackward", pd, xd, yd);
        // As the stand-in: cuDNN promises in-place work only where its documentation says so.
        if (dx == x || dx == y || dx == dy) throw BadParam("cudnnPoolingBackward", "dx aliases an input (x, y or dy)");
        var acc = new double[xd.Count];
        float* pdy = (float*)dy;
        double inv = 1.0 / (pd.WindowH * pd.WindowW);
        for (int p = 0; p < xd.N * xd.C; p++)
        for (int oh = 0; oh < yd.H; oh++)
        for (int ow = 0; ow < yd.W; ow++)
        {
            double share = pdy[((long)p * yd.H + oh) * yd.W + ow] * inv;
            ForWindow(pd, xd, oh, ow, (h, w) => acc[((long)p * xd.H + h) * xd.W + w] += share);
        }
        Round(acc, (float*)dx);
    }

    private static long Index(in TensorDesc d, int n, int c, int h, int w) => (((long)n * d.C + c) * d.H + h) * d.W + w;

    /// <summary>
    /// One convolution direction in double precision, rounded once into <paramref name="result"/>. The loop nest is the forward one for all three directions: output by
    /// output and, within one, over (c, r, s); <paramref name="term"/> maps a multiply's
    /// (x, w, y) element indices to the sum it adds to and the product it adds. A struct, not a
    /// delegate: the JIT compiles the loop once per direction with the term inlined, where a
    /// delegate call per multiply made the reference the slowest part of an emulated step.
    /// </summary>
    private static void Convolve<TTerm>(TensorDesc xd, FilterDesc wd, ConvDesc cd, TensorDesc yd, float* result, long count, TTerm term)
        where TTerm : struct, IConvolutionTerm
    {
        var sums = new double[count];
        for (int n = 0; n < yd.N; n++)
        for (int k = 0; k < yd.C; k++)
        for (int oh = 0; oh < yd.H; oh++)
        for (int ow = 0; ow < yd.W; ow++)
        {
            long yi = Index(yd, n, k, oh, ow);
            for (int c = 0; c < xd.C; c++)
            for (int r = 0; r < wd.R; r++)
            {
                int h = oh * cd.StrideH - cd.PadH + r * cd.DilationH;
                if ((uint)h >= (uint)xd.H) continue;
                for (int s = 0; s < wd.S; s++)
                {
                    int w = ow * cd.StrideW - cd.PadW + s * cd.DilationW;
                    if ((uint)w >= (uint)xd.W) continue;
                    var (target, product) = term.Multiply(Index(xd, n, c, h, w), ((k * (long)wd.C + c) * wd.R + r) * wd.S + s, yi);
                    sums[target] += product;
                }
            }
        }
        Round(sums, result);
    }

    /// <summary>One multiply of a convolution direction: the index of the sum it adds to, and the product.</summary>
    private interface IConvolutionTerm
    {
        (long Target, double Product) Multiply(long xi, long wi, long yi);
    }

    /// <summary>Forward: y[yi] += x[xi]·w[wi].</summary>
    private readonly struct ForwardTerm(float* x, float* w, bool tf32) : IConvolutionTerm
    {
        public (long Target, double Product) Multiply(long xi, long wi, long yi) => (yi, Operand(x[xi], tf32) * (double)Operand(w[wi], tf32));
    }

    /// <summary>Gradient to the input: dx[xi] += w[wi]·dy[yi].</summary>
    private readonly struct BackwardDataTerm(float* w, float* dy, bool tf32) : IConvolutionTerm
    {
        public (long Target, double Product) Multiply(long xi, long wi, long yi) => (xi, Operand(w[wi], tf32) * (double)Operand(dy[yi], tf32));
    }

    /// <summary>Gradient to the filter: dw[wi] += x[xi]·dy[yi].</summary>
    private readonly struct BackwardFilterTerm(float* x, float* dy, bool tf32) : IConvolutionTerm
    {
        public (long Target, double Product) Multiply(long xi, long wi, long yi) => (wi, Operand(x[xi], tf32) * (double)Operand(dy[yi], tf32));
    }

    /// <summary>Double-precision sums rounded once into the float result, as a reference should.</summary>
    private static void Round(double[] sums, float* result)
    {
        for (long i = 0; i < sums.Length; i++) result[i] = (float)sums[i];
    }

    private static void CheckConv(string call, TensorDesc x, FilterDesc w, ConvDesc c, TensorDesc y)
    {
        if (x.N <= 0 || x.C <= 0 || x.H <= 0 || x.W <= 0 || w.K <= 0 || w.R <= 0 || w.S <= 0 || c.StrideH <= 0 || c.StrideW <= 0
            || c.PadH < 0 || c.PadW < 0 || c.DilationH <= 0 || c.DilationW <= 0)
        {
            throw BadParam(call, $"invalid descriptor x={x} w={w} conv={c}");
        }
        if (x.C != w.C) throw BadParam(call, $"input channels {x.C} differ from filter channels {w.C}");
        int outH = (x.H + 2 * c.PadH - ((w.R - 1) * c.DilationH + 1)) / c.StrideH + 1;
        int outW = (x.W + 2 * c.PadW - ((w.S - 1) * c.DilationW + 1)) / c.StrideW + 1;
        if (y != new TensorDesc(x.N, w.K, outH, outW)) throw BadParam(call, $"output descriptor {y} is not {x.N}x{w.K}x{outH}x{outW} for x={x} w={w} conv={c}");
    }

    private static void CheckBatchNorm(string call, TensorDesc x, double epsilon)
    {
        if (x.N <= 0 || x.C <= 0 || x.H <= 0 || x.W <= 0) throw BadParam(call, $"invalid descriptor {x}");
        if (!(epsilon >= 0)) throw BadParam(call, $"epsilon {epsilon} < CUDNN_BN_MIN_EPSILON (0)");
    }

    private static void CheckPool(string call, PoolDesc p, TensorDesc x, TensorDesc y)
    {
        if (p.Mode != PoolMode.AverageCountIncludePadding)
        {
            throw new CudaException("cudnn", call, 3000, "CUDNN_STATUS_NOT_SUPPORTED", $"the emulated runtime implements only average pooling, not {p.Mode}");
        }
        if (p.WindowH <= 0 || p.WindowW <= 0 || p.StrideH <= 0 || p.StrideW <= 0 || p.PadH < 0 || p.PadW < 0) throw BadParam(call, $"invalid pooling descriptor {p}");
        int outH = (x.H + 2 * p.PadH - p.WindowH) / p.StrideH + 1;
        int outW = (x.W + 2 * p.PadW - p.WindowW) / p.StrideW + 1;
        if (y != x with { H = outH, W = outW }) throw BadParam(call, $"output descriptor {y} is not {x.N}x{x.C}x{outH}x{outW} for x={x} pool={p}");
    }

    private static void ForWindow(PoolDesc p, TensorDesc x, int oh, int ow, Action<int, int> visit)
    {
        int h0 = oh * p.StrideH - p.PadH, w0 = ow * p.StrideW - p.PadW;
        for (int h = Math.Max(h0, 0); h < Math.Min(h0 + p.WindowH, x.H); h++)
        for (int w = Math.Max(w0, 0); w < Math.Min(w0 + p.WindowW, x.W); w++) visit(h, w);
    }

    private static (double Mean, double Variance) ChannelMoments(TensorDesc x, float* px, int c)
    {
        long m = (long)x.N * x.H * x.W;
        double sum = 0;
        ForChannel(x, c, i => sum += px[i]);
        double mean = sum / m, squares = 0;
        ForChannel(x, c, i => squares += (px[i] - mean) * (px[i] - mean));
        return (mean, squares / m);
    }

    private static void ForChannel(TensorDesc x, int c, Action<long> visit)
    {
        long plane = (long)x.H * x.W;
        for (int n = 0; n < x.N; n++)
        {
            long start = ((long)n * x.C + c) * plane;
            for (long i = start; i < start + plane; i++) visit(i);
        }
    }
}
