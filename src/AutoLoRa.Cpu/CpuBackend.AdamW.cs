using System.Numerics;

namespace AutoLoRa.Cpu;

public sealed partial class CpuBackend
{
    protected override unsafe void AdamWUpdateCore(int length, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v,
        float lr, float beta1, float beta2, float eps, float weightDecay, float stepSize, float bias2Sqrt)
    {
        fixed (float* pp = Floats(param), pg = Floats(grad), pm = Floats(m), pv = Floats(v))
        {
            ElementwiseChunks.Run(length, new AdamWKernel
            {
                P = pp, G = pg, M = pm, V = pv, Decay = 1f - lr * weightDecay, Beta1 = beta1, Beta2 = beta2,
                Eps = eps, StepSize = stepSize, Bias2Sqrt = bias2Sqrt,
            });
        }
    }

    /// <summary>
    /// torch.optim.AdamW on one chunk, in kernels/optim.cu's order: decay, moments, then
    /// p + (−stepSize)·m/(sqrt(v)/bias2Sqrt + eps). The scalar tail repeats the vector body's
    /// formula element by element.
    /// </summary>
    private unsafe struct AdamWKernel : IElementwiseKernel
    {
        public float* P, G, M, V;
        public float Decay, Beta1, Beta2, Eps, StepSize, Bias2Sqrt;

        public readonly void Run(int start, int count)
        {
            float* p = P + start, g = G + start, m = M + start, v = V + start;
            float oneMinusBeta1 = 1f - Beta1, oneMinusBeta2 = 1f - Beta2;
            int i = 0;
            for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.Load(g + i);
                var mi = Vector.Load(m + i) * Beta1 + gi * oneMinusBeta1;
                var vi = Vector.Load(v + i) * Beta2 + gi * gi * oneMinusBeta2;
                var pi = Vector.Load(p + i) * Decay;
                Vector.Store(mi, m + i);
                Vector.Store(vi, v + i);
                Vector.Store(pi + -StepSize * (mi / (Vector.SquareRoot(vi) / new Vector<float>(Bias2Sqrt) + new Vector<float>(Eps))), p + i);
            }
            for (; i < count; i++)
            {
                m[i] = m[i] * Beta1 + g[i] * oneMinusBeta1;
                v[i] = v[i] * Beta2 + g[i] * g[i] * oneMinusBeta2;
                p[i] = p[i] * Decay + -StepSize * (m[i] / (MathF.Sqrt(v[i]) / Bias2Sqrt + Eps));
            }
        }
    }
}
