using AutoLoRa.Core.Backends;
using AutoLoRa.Core.Tests.Support;

namespace AutoLoRa.Core.Tests.Conformance;

/// <summary>Backend.AttentionForward and AttentionBackward, read in place from a qkv projection's output, against plain loops in double.</summary>
public abstract partial class BackendConformanceTests
{
    /// <summary>
    /// A ViT's 65 tokens (a tile of 8 query rows plus one), odd sizes where a wrong stride cannot
    /// land on the right element, and 300 tokens: past the fused CUDA kernel's 256, the
    /// composition of GEMMs and softmax.
    /// </summary>
    public static TheoryData<int, int, int, int> AttentionShapes => new() { { 2, 5, 3, 3 }, { 2, 65, 3, 64 }, { 1, 33, 2, 40 }, { 1, 300, 1, 4 } };

    [BackendTheory]
    [MemberData(nameof(AttentionShapes))]
    public void AttentionForward_is_softmax_of_scaled_scores_times_values_per_head(int n, int t, int heads, int headDim)
    {
        // Logits up to about ±6: softmax well away from uniform, no overflow.
        var qkv = TestData.Uniform(n * t * 3 * heads * headDim, 31, -2.5f, 2.5f);
        int width = heads * headDim;
        float scale = 1f / MathF.Sqrt(headDim);
        using var s = new Scope(this);
        var o = s.Filled(n * t * width, float.NaN);
        Backend.AttentionForward(n, t, heads, headDim, scale, s.Upload(qkv), o);
        var layout = new HeadLayout(t, heads, headDim, qkv);
        var expected = new float[n * t * width];
        for (int b = 0; b < n; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                var p = layout.Probabilities(b, h, scale);
                for (int i = 0; i < t; i++)
                {
                    for (int c = 0; c < headDim; c++)
                    {
                        double acc = 0;
                        for (int j = 0; j < t; j++) acc += p[i, j] * layout.At(b, j, 2, h, c);
                        expected[(b * t + i) * width + h * headDim + c] = (float)acc;
                    }
                }
            }
        }
        TestData.AssertClose(expected, Download(o), 2e-5f, 2e-5f, $"attention n={n} t={t} heads={heads} headDim={headDim}");
    }

    /// <summary>dq, dk and dv of every head against the same formulas in double; 300 tokens take the composition on CUDA too.</summary>
    [BackendTheory]
    [MemberData(nameof(AttentionShapes))]
    public void AttentionBackward_writes_dq_dk_dv_of_every_head(int n, int t, int heads, int headDim)
    {
        var (qkv, dOut) = (TestData.Uniform(n * t * 3 * heads * headDim, 32, -2.5f, 2.5f), TestData.Uniform(n * t * heads * headDim, 33));
        int width = heads * headDim;
        float scale = 1f / MathF.Sqrt(headDim);
        using var s = new Scope(this);
        var dqkv = s.Filled(n * t * 3 * width, float.NaN);
        Backend.AttentionBackward(n, t, heads, headDim, scale, s.Upload(qkv), s.Upload(dOut), dqkv);

        var layout = new HeadLayout(t, heads, headDim, qkv);
        var expected = new float[qkv.Length];
        for (int b = 0; b < n; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                var p = layout.Probabilities(b, h, scale);
                double DO(int i, int c) => dOut[(b * t + i) * width + h * headDim + c];
                var ds = new double[t, t];
                for (int i = 0; i < t; i++)
                {
                    var dp = new double[t];
                    double dot = 0;
                    for (int j = 0; j < t; j++)
                    {
                        for (int c = 0; c < headDim; c++) dp[j] += DO(i, c) * layout.At(b, j, 2, h, c);
                        dot += p[i, j] * dp[j];
                    }
                    for (int j = 0; j < t; j++) ds[i, j] = p[i, j] * (dp[j] - dot);
                }
                for (int i = 0; i < t; i++)
                {
                    for (int c = 0; c < headDim; c++)
                    {
                        double dq = 0, dk = 0, dv = 0;
                        for (int j = 0; j < t; j++)
                        {
                            dq += ds[i, j] * layout.At(b, j, 1, h, c);
                            dk += ds[j, i] * layout.At(b, j, 0, h, c);
                            dv += p[j, i] * DO(j, c);
                        }
                        expected[layout.Index(b, i, 0, h, c)] = (float)(scale * dq);
                        expected[layout.Index(b, i, 1, h, c)] = (float)(scale * dk);
                        expected[layout.Index(b, i, 2, h, c)] = (float)dv;
                    }
                }
            }
        }
        TestData.AssertClose(expected, Download(dqkv), 5e-5f, 5e-5f, $"attention backward n={n} t={t} heads={heads} headDim={headDim}");
    }

    /// <summary>qkv (N, T, 3·D) in timm's layout, read in double, and each head's attention matrix.</summary>
    private sealed class HeadLayout(int t, int heads, int headDim, float[] qkv)
    {
        private readonly int _width = heads * headDim;

        public int Index(int b, int token, int part, int h, int c) => (b * t + token) * 3 * _width + part * _width + h * headDim + c;

        public double At(int b, int token, int part, int h, int c) => qkv[Index(b, token, part, h, c)];

        /// <summary>P = softmax(scale·Q·Kᵀ) of head h of sample b.</summary>
        public double[,] Probabilities(int b, int h, float scale)
        {
            var p = new double[t, t];
            var scores = new double[t];
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < headDim; c++) dot += At(b, i, 0, h, c) * At(b, j, 1, h, c);
                    scores[j] = scale * dot;
                }
                double max = scores.Max(), sum = scores.Sum(v => Math.Exp(v - max));
                for (int j = 0; j < t; j++) p[i, j] = Math.Exp(scores[j] - max) / sum;
            }
            return p;
        }
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
