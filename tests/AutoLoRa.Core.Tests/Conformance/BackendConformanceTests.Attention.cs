using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>Backend.AttentionForward, read in place from a qkv projection's output, against a plain loop in double.</summary>
public abstract partial class BackendConformanceTests
{
    /// <summary>
    /// A ViT's 65 tokens (a tile of 8 query rows plus one), odd sizes where a wrong stride cannot
    /// land on the right element, and 300 tokens: past the fused CUDA kernel's 256, the
    /// composition of GEMMs and softmax.
    /// </summary>
    [BackendTheory]
    [InlineData(2, 5, 3, 3)]
    [InlineData(2, 65, 3, 64)]
    [InlineData(1, 33, 2, 40)]
    [InlineData(1, 300, 1, 4)]
    public void AttentionForward_is_softmax_of_scaled_scores_times_values_per_head(int n, int t, int heads, int headDim)
    {
        int width = heads * headDim;
        float scale = 1f / MathF.Sqrt(headDim);
        // Logits up to about ±6: softmax well away from uniform, no overflow.
        var qkv = TestData.Uniform(n * t * 3 * width, 31, -2.5f, 2.5f);
        using var s = new Scope(this);
        var dqkv = s.Upload(qkv);
        var o = s.Filled(n * t * width, float.NaN);
        Backend.AttentionForward(n, t, heads, headDim, scale, dqkv, o);
        TestData.AssertClose(Reference(), Download(o), 2e-5f, 2e-5f, $"attention n={n} t={t} heads={heads} headDim={headDim}");

        float[] Reference()
        {
            var expected = new float[n * t * width];
            var scores = new double[t];
            for (int b = 0; b < n; b++)
            {
                for (int h = 0; h < heads; h++)
                {
                    for (int i = 0; i < t; i++)
                    {
                        for (int j = 0; j < t; j++)
                        {
                            double dot = 0;
                            for (int c = 0; c < headDim; c++) dot += (double)At(b, i, 0, h, c) * At(b, j, 1, h, c);
                            scores[j] = scale * dot;
                        }
                        double max = scores.Max(), sum = scores.Sum(v => Math.Exp(v - max));
                        for (int c = 0; c < headDim; c++)
                        {
                            double acc = 0;
                            for (int j = 0; j < t; j++) acc += Math.Exp(scores[j] - max) / sum * At(b, j, 2, h, c);
                            expected[(b * t + i) * width + h * headDim + c] = (float)acc;
                        }
                    }
                }
            }
            return expected;
        }

        float At(int b, int token, int part, int h, int c) => qkv[(b * t + token) * 3 * width + part * width + h * headDim + c];
    }

    [BackendFact]
    public void AttentionForward_rejects_a_short_output_naming_it()
    {
        const int n = 2, t = 3, heads = 2, headDim = 4;
        using var s = new Scope(this);
        var e = Assert.Throws<BackendException>(() => Backend.AttentionForward(n, t, heads, headDim, 0.5f,
            s.Filled(n * t * 3 * heads * headDim, 0), s.Filled(n * t * heads * headDim - 1, 0)));
        Assert.Contains("AttentionForward: o has 47 elements, expected 48", e.Message);
    }
}
