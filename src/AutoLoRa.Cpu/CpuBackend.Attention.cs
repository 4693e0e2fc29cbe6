using System.Numerics.Tensors;
using AutoLoRa.Cpu.Gemm;

namespace AutoLoRa.Cpu;

/// <summary>
/// Multi-head attention forward, fused per (sample, head): scores, softmax and the product with V
/// in one work item, the T×T attention matrix in a per-thread scratch that stays in cache (65² floats,
/// 17 KB, for a ViT on 32×32 images; 197², 152 KB, at 224). The default composition runs 2·H + 1
/// parallel primitives through an (N, H, T, T) buffer in memory instead.
/// </summary>
public sealed partial class CpuBackend
{
    [ThreadStatic] private static float[]? t_attentionScores;

    /// <inheritdoc/>
    protected override unsafe void AttentionForwardCore(int n, int t, int heads, int headDim, float scale, DeviceBuffer qkv, DeviceBuffer o)
    {
        fixed (float* pqkv = Floats(qkv), po = Floats(o))
        {
            CpuParallel.For(n * heads, new AttentionHeadsForward { T = t, Heads = heads, HeadDim = headDim, Scale = scale, Qkv = pqkv, O = po });
        }
    }

    /// <summary>One (sample, head): S = scale·Q·Kᵀ, P = softmax(S) row by row, O = P·V, each GEMM on the calling thread.</summary>
    private unsafe struct AttentionHeadsForward : IParallelWork
    {
        public int T, Heads, HeadDim;
        public float Scale;
        public float* Qkv, O;

        public readonly void Execute(int index)
        {
            int sample = index / Heads, head = index % Heads, width = Heads * HeadDim, ld = 3 * width;
            float* q = Qkv + (long)sample * T * ld + head * HeadDim;
            float* o = O + (long)sample * T * width + head * HeadDim;
            var scores = t_attentionScores is { } cached && cached.Length >= T * T ? cached : t_attentionScores = new float[T * T];
            fixed (float* s = scores)
            {
                Sgemm.Run(false, true, T, T, HeadDim, Scale, q, ld, q + width, ld, 0f, s, T, parallel: false);
                for (int r = 0; r < T; r++) SoftmaxRow(new Span<float>(s + r * T, T), new Span<float>(s + r * T, T));
                Sgemm.Run(false, false, T, HeadDim, T, 1f, s, T, q + 2 * width, ld, 0f, o, width, parallel: false);
            }
        }
    }

    /// <summary>y = exp(x − max)/Σ of one row (the shift keeps exp in range; one reciprocal scales); y may be x.</summary>
    private static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Multiply(y, 1f / TensorPrimitives.Sum<float>(y), y);
    }
}
