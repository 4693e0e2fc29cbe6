namespace AutoLoRa.Core;

/// <summary>Which formula <see cref="Ops.Gelu"/> uses, as PyTorch's <c>approximate</c> argument ('none' or 'tanh').</summary>
public enum GeluForm
{
    /// <summary>x·Φ(x) with the normal CDF through erf (PyTorch's default, timm's ViTs).</summary>
    Exact,

    /// <summary>x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (GPT-2, BERT's original code).</summary>
    Tanh,
}

public static partial class Ops
{
    /// <summary>PyTorch's LayerNorm default; timm's ViTs pass 1e-6.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    /// <summary>
    /// LayerNorm over the last axis of x (any rank ≥ 1), as PyTorch's LayerNorm(normalized_shape =
    /// last dim): (x − μ)/sqrt(σ² + eps)·γ + β with the biased variance, eps inside the root.
    /// γ and β have the last dimension's length and receive gradients when they require them.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps = LayerNormEpsilon)
    {
        const string op = "layer_norm";
        var backend = SameBackend(op, x, gamma, beta);
        RequireFloat(op, x);
        if (x.Shape.Rank < 1) throw new ArgumentException($"{op}: {x.Describe()} has no axis to normalise.");
        int cols = x.Shape[x.Shape.Rank - 1], rows = x.ElementCount / cols;
        foreach (var p in (ReadOnlySpan<Tensor>)[gamma, beta])
        {
            if (p.Shape.Rank != 1 || p.Shape[0] != cols) throw new ArgumentException($"{op}: {p.Describe()} must have shape [{cols}] for input {x.Describe()}.");
        }
        var y = Tensor.Empty(backend, x.Shape);
        var mean = Tensor.Empty(backend, new Shape(rows));
        var rstd = Tensor.Empty(backend, new Shape(rows));
        backend.LayerNorm(rows, cols, x.Buffer, gamma.Buffer, beta.Buffer, eps, y.Buffer, mean.Buffer, rstd.Buffer);
        return GradMode.Record(y, op, [x, gamma, beta], new LayerNormBackwardRule(mean, rstd));
    }

    /// <summary>GELU of every element, in the exact or the tanh form (<see cref="GeluForm"/>).</summary>
    public static Tensor Gelu(Tensor x, GeluForm form = GeluForm.Exact)
    {
        const string op = "gelu";
        RequireFloat(op, x);
        var y = Tensor.Empty(x.Backend, x.Shape);
        if (form == GeluForm.Exact) x.Backend.Gelu(x.ElementCount, x.Buffer, y.Buffer);
        else x.Backend.GeluTanh(x.ElementCount, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new GeluBackwardRule(form));
    }

    /// <summary>Softmax over the last axis of x (any rank ≥ 1): attention weights over the keys.</summary>
    public static Tensor Softmax(Tensor x)
    {
        const string op = "softmax";
        RequireFloat(op, x);
        if (x.Shape.Rank < 1) throw new ArgumentException($"{op}: {x.Describe()} has no last axis.");
        int cols = x.Shape[x.Shape.Rank - 1];
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Softmax(x.ElementCount / cols, cols, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new SoftmaxBackwardRule(y));
    }

    /// <summary>dx, dγ, dβ from the saved row statistics; inputs (x, γ, β). Each gradient only when asked for.</summary>
    private readonly struct LayerNormBackwardRule(Tensor mean, Tensor rstd) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], gamma = inputs[1];
            var backend = x.Backend;
            int cols = gamma.ElementCount, rows = x.ElementCount / cols;
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                backend.LayerNormBackward(rows, cols, x.Buffer, gy.Buffer, gamma.Buffer, mean.Buffer, rstd.Buffer, grads[0]!.Buffer);
            }
            if (needs[1] || needs[2])
            {
                var dgamma = Tensor.Empty(backend, gamma.Shape);
                var dbeta = Tensor.Empty(backend, gamma.Shape);
                backend.LayerNormParamsBackward(rows, cols, x.Buffer, gy.Buffer, mean.Buffer, rstd.Buffer, dgamma.Buffer, dbeta.Buffer);
                grads[1] = KeepIfNeeded(dgamma, needs[1]);
                grads[2] = KeepIfNeeded(dbeta, needs[2]);
            }
        }
    }

    /// <summary>dx = dy·GELU′(x) at the saved input.</summary>
    private readonly struct GeluBackwardRule(GeluForm form) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            var dx = Tensor.Empty(x.Backend, x.Shape);
            if (form == GeluForm.Exact) x.Backend.GeluBackward(x.ElementCount, x.Buffer, gy.Buffer, dx.Buffer);
            else x.Backend.GeluTanhBackward(x.ElementCount, x.Buffer, gy.Buffer, dx.Buffer);
            grads[0] = dx;
        }
    }

    /// <summary>dx = y·(dy − Σ y·dy) per row, from the saved output.</summary>
    private readonly struct SoftmaxBackwardRule(Tensor y) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            int cols = y.Shape[y.Shape.Rank - 1];
            grads[0] = Tensor.Empty(y.Backend, y.Shape);
            y.Backend.SoftmaxBackward(y.ElementCount / cols, cols, y.Buffer, gy.Buffer, grads[0]!.Buffer);
        }
    }
}
