using AutoLoRa.Cpu;
using AutoLoRa.Core.Tests.Support;
using AutoLoRa.Verify.References;
using static AutoLoRa.Verify.GradientLeaves;

namespace AutoLoRa.Core.Tests.Autograd;

/// <summary>
/// What the transformer ops compute forwards: GELU and LayerNorm against numbers printed by
/// PyTorch 1.13 (torch.nn.functional.gelu, torch.nn.LayerNorm), so our formulas are PyTorch's and
/// not merely self-consistent; MatMul and attention against plain loops. Their backward rules are
/// the gradient cases of TransformerCases.
/// </summary>
public sealed class TransformerOpValueTests : IDisposable
{
    private static readonly float[] GeluInputs = [-3f, -1f, -0.5f, 0f, 0.1f, 1f, 2.5f];

    // torch.nn.functional.gelu(x) and gelu(x, approximate='tanh') of GeluInputs, PyTorch 1.13.
    private static readonly float[] TorchGelu = [-0.004049867391586304f, -0.1586552858352661f, -0.1542687863111496f, 0f, 0.05398279055953026f, 0.8413447141647339f, 2.48447585105896f];
    private static readonly float[] TorchGeluTanh = [-0.0036374330520629883f, -0.15880799293518066f, -0.1542859971523285f, 0f, 0.053982753306627274f, 0.8411920070648193f, 2.4849157333374023f];

    private readonly CpuBackend _cpu = new();
    private readonly TensorScope _scope = TensorScope.Begin();

    public void Dispose()
    {
        _scope.Dispose();
        _cpu.Dispose();
    }

    // For x < 0 both PyTorch and we compute x·(1 + erf) or x·(1 + tanh) with the bracket near 0
    // in float: the sum cancels to a few ulps of 1 (6e-8 each), times |x| ≤ 3. At x = −3 PyTorch's
    // own value is 1.7e-7 from the true −3·Φ(−3) = −0.004049694.
    private const float CancellationUlps = 5e-7f;

    [Fact]
    public void Gelu_matches_pytorch_in_both_forms()
    {
        var x = Tensor.FromArray(_cpu, GeluInputs, new Shape(GeluInputs.Length));
        TestData.AssertClose(TorchGelu, Ops.Gelu(x).ToArray(), 1e-6f, CancellationUlps, "gelu");
        TestData.AssertClose(TorchGeluTanh, Ops.Gelu(x, GeluForm.Tanh).ToArray(), 1e-6f, CancellationUlps, "gelu tanh");
    }

    [Fact]
    public void Gelu_reference_matches_pytorch()
    {
        TestData.AssertClose(TorchGelu, GeluInputs.Select(v => (float)GeluReference.Exact(v)).ToArray(), 1e-7f, CancellationUlps, "reference gelu");
        TestData.AssertClose(TorchGeluTanh, GeluInputs.Select(v => (float)GeluReference.Tanh(v)).ToArray(), 1e-7f, CancellationUlps, "reference gelu tanh");
    }

    [Fact]
    public void LayerNorm_matches_pytorch_with_eps_inside_the_root_and_biased_variance()
    {
        // torch.nn.LayerNorm(4, eps=1e-6) with the weight and bias below. Row 1: 4/3 apart from an
        // unbiased variance. Row 2 sits at 100 with a spread of 1, where a one-pass variance
        // E[x²] − μ² loses about four digits. Row 3 has σ² = 1.25e-6, comparable to eps, so eps
        // outside the root (σ + eps) would be off by a third.
        var x = Tensor.FromArray(_cpu, [1f, 2f, 3f, 5f, 100f, 100.5f, 99f, 101f, 0f, 0.001f, 0.002f, 0.003f], new Shape(3, 4));
        var gamma = Tensor.FromArray(_cpu, [1f, 2f, 0.5f, -1f], new Shape(4));
        var beta = Tensor.FromArray(_cpu, [0f, 0.1f, -0.2f, 0.3f], new Shape(4));
        float[] torch = [-1.1832157373428345f, -0.9141849279403687f, -0.11548461019992828f, -1.2212772369384766f,
            -0.16903352737426758f, 1.11417818069458f, -0.9606393575668335f, -0.8832116723060608f,
            -1.0f, -0.5666665434837341f, -0.03333328664302826f, -0.7000001072883606f];
        TestData.AssertClose(torch, Ops.LayerNorm(x, gamma, beta, eps: 1e-6f).ToArray(), 1e-5f, 1e-5f, "layer norm");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMul_reads_transposed_operands_in_place(bool transA, bool transB)
    {
        const int batch = 3, m = 4, n = 5, k = 6;
        var a = Uniform(_cpu, transA ? new Shape(batch, k, m) : new Shape(batch, m, k), 1);
        var b = Uniform(_cpu, transB ? new Shape(batch, n, k) : new Shape(batch, k, n), 2);
        float[] ha = a.ToArray(), hb = b.ToArray();
        var expected = new float[batch * m * n];
        for (int p = 0; p < batch; p++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int l = 0; l < k; l++)
                    {
                        sum += ha[p * m * k + (transA ? l * m + i : i * k + l)] * (double)hb[p * k * n + (transB ? j * k + l : l * n + j)];
                    }
                    expected[(p * m + i) * n + j] = (float)sum;
                }
            }
        }
        var c = Ops.MatMul(a, b, transA, transB);
        Assert.Equal(new Shape(batch, m, n), c.Shape);
        TestData.AssertClose(expected, c.ToArray(), 1e-5f, 1e-5f, "matmul");
    }

    [Fact]
    public void Attention_is_softmax_of_scaled_scores_times_values()
    {
        const int heads = 2, tq = 3, tk = 5, d = 4, dv = 3;
        const float scale = 0.5f;
        var q = Uniform(_cpu, new Shape(1, heads, tq, d), 3, -2f, 2f);
        var k = Uniform(_cpu, new Shape(1, heads, tk, d), 4, -2f, 2f);
        var v = Uniform(_cpu, new Shape(1, heads, tk, dv), 5);
        float[] hq = q.ToArray(), hk = k.ToArray(), hv = v.ToArray();
        var expected = new float[heads * tq * dv];
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < tq; i++)
            {
                var scores = new double[tk];
                for (int j = 0; j < tk; j++)
                {
                    for (int l = 0; l < d; l++) scores[j] += scale * hq[(h * tq + i) * d + l] * (double)hk[(h * tk + j) * d + l];
                }
                double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                for (int e = 0; e < dv; e++)
                {
                    double o = 0;
                    for (int j = 0; j < tk; j++) o += Math.Exp(scores[j] - max) / sum * hv[(h * tk + j) * dv + e];
                    expected[(h * tq + i) * dv + e] = (float)o;
                }
            }
        }
        var output = Ops.Attention(q, k, v, scale);
        Assert.Equal(new Shape(1, heads, tq, dv), output.Shape);
        TestData.AssertClose(expected, output.ToArray(), 1e-5f, 1e-6f, "attention");
    }

    /// <summary>Odd sizes, where a wrong stride cannot land on the right element, and a ViT-Ti/4's head shape.</summary>
    [Theory]
    [InlineData(2, 5, 3, 3)]
    [InlineData(2, 65, 3, 64)]
    public void MultiHeadAttention_equals_heads_split_attended_and_merged(int n, int t, int heads, int dh)
    {
        int d = heads * dh;
        float scale = 1f / MathF.Sqrt(dh);
        var data = Uniform(_cpu, new Shape(n, t, 3 * d), 21, -2f, 2f).ToArray();
        var weights = Uniform(_cpu, new Shape(n, t, d), 22).ToArray();

        var (fused, dFused) = OutputAndGradient(qkv => Ops.MultiHeadAttention(qkv, heads, scale));
        // The slow composition the model ran before: heads copied out by axis swaps, Attention, swapped back.
        var (composed, dComposed) = OutputAndGradient(qkv =>
        {
            var byHead = Ops.SwapAxes(Ops.Reshape(qkv, new Shape(n, t, 3 * heads, dh)), 1);
            var parts = Ops.SwapAxes(Ops.Reshape(byHead, new Shape(n, 3, heads * t * dh)), 0);
            var shape = new Shape(n, heads, t, dh);
            var o = Ops.Attention(Ops.Reshape(Ops.Rows(parts, 0, 1), shape), Ops.Reshape(Ops.Rows(parts, 1, 1), shape),
                Ops.Reshape(Ops.Rows(parts, 2, 1), shape), scale);
            return Ops.Reshape(Ops.SwapAxes(o, 1), new Shape(n, t, d));
        });
        TestData.AssertClose(composed, fused, 1e-6f, 1e-6f, "multi-head attention");
        TestData.AssertClose(dComposed, dFused, 1e-5f, 1e-5f, "multi-head attention's gradient of qkv");

        (float[] Output, float[] Gradient) OutputAndGradient(Func<Tensor, Tensor> attend)
        {
            var qkv = Tensor.FromArray(_cpu, data, new Shape(n, t, 3 * d));
            qkv.RequiresGrad = true;
            var o = attend(qkv);
            Assert.Equal(new Shape(n, t, d), o.Shape);
            Ops.Sum(Ops.Multiply(o, Tensor.FromArray(_cpu, weights, o.Shape))).Backward();
            return (o.ToArray(), qkv.Grad!.ToArray());
        }
    }
}
