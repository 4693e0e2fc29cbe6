namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>max(x, 0), differentiable (gradient 0 at 0).</summary>
    public static Tensor Relu(Tensor x)
    {
        const string op = "relu";
        var backend = x.Backend;
        RequireFloat(op, x);
        var y = Tensor.Empty(backend, x.Shape);
        backend.Relu(x.ElementCount, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new ReluBackward(y), rectifiedOutput: true);
    }

    /// <summary>
    /// relu(a + b) in one pass (same shapes): a residual block's sum and activation. Bit for bit
    /// what <c>Relu(Add(a, b))</c> computes, with one pass over the activations and one
    /// intermediate fewer; each input gets dy where the output is positive.
    /// </summary>
    public static Tensor AddRelu(Tensor a, Tensor b)
    {
        const string op = "add_relu";
        var backend = SameBackend(op, a, b);
        RequireSameShape(op, a, b);
        RequireFloat(op, a);
        var y = Tensor.Empty(backend, a.Shape);
        backend.AddRelu(a.ElementCount, a.Buffer, b.Buffer, y.Buffer);
        return GradMode.Record(y, op, [a, b], new AddReluBackward(y), rectifiedOutput: true);
    }

    /// <summary>a + b (same shapes).</summary>
    public static Tensor Add(Tensor a, Tensor b) => LinearCombination("add", 1f, a, 1f, b);

    /// <summary>a − b (same shapes).</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => LinearCombination("subtract", 1f, a, -1f, b);

    /// <summary>alpha · x.</summary>
    public static Tensor Scale(Tensor x, float alpha)
    {
        const string op = "scale";
        var backend = x.Backend;
        RequireFloat(op, x);
        var y = Tensor.Empty(backend, x.Shape);
        backend.Scale(x.ElementCount, alpha, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new ScaleBackward(alpha));
    }

    /// <summary>a ⊙ b (same shapes).</summary>
    public static Tensor Multiply(Tensor a, Tensor b)
    {
        const string op = "multiply";
        var backend = SameBackend(op, a, b);
        RequireSameShape(op, a, b);
        var y = Tensor.Empty(backend, a.Shape);
        backend.Multiply(a.ElementCount, a.Buffer, b.Buffer, y.Buffer);
        return GradMode.Record(y, op, [a, b], default(MultiplyBackward));
    }

    /// <summary>The same data viewed with another shape of equal size; shares storage.</summary>
    public static Tensor Reshape(Tensor x, Shape shape)
    {
        var y = x.ViewAs(shape);
        return GradMode.Record(y, "reshape", [x], default(ReshapeBackward));
    }

    /// <summary>(N, …) → (N, product of the rest).</summary>
    public static Tensor Flatten(Tensor x)
    {
        if (x.Shape.Rank < 1) throw new ArgumentException($"flatten: {x.Describe()} has no batch dimension.");
        return Reshape(x, new Shape(x.Shape[0], x.ElementCount / Math.Max(1, x.Shape[0])));
    }

    private static Tensor LinearCombination(string op, float alpha, Tensor a, float beta, Tensor b)
    {
        var backend = SameBackend(op, a, b);
        RequireSameShape(op, a, b);
        RequireFloat(op, a);
        var y = Tensor.Empty(backend, a.Shape);
        backend.Axpby(a.ElementCount, alpha, a.Buffer, beta, b.Buffer, y.Buffer);
        return GradMode.Record(y, op, [a, b], new LinearCombinationBackward(alpha, beta));
    }

    private static Tensor ScaledCopy(Tensor x, float alpha)
    {
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Scale(x.ElementCount, alpha, x.Buffer, y.Buffer);
        return y;
    }

    /// <summary>dx = dy where the output y is positive; dy itself when it arrives masked (<see cref="ReluMasks"/>).</summary>
    private readonly struct ReluBackward(Tensor y) : IReluMaskingRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads, ReluMasks masks)
        {
            var x = inputs[0];
            if (masks.OutputGradientMasked)
            {
                grads[0] = gy;
                return;
            }
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.ReluBackward(x.ElementCount, y.Buffer, gy.Buffer, grads[0]!.Buffer);
        }
    }

    /// <summary>
    /// da = db = dy where the output y is positive. Each input gets a mask of its own: the tape
    /// accumulates pending gradients in place, so two inputs never share one new tensor. Both from
    /// one pass over y and dy (<c>Backend.AddReluBackward</c>, 16 bytes an element) where two ReLU
    /// backward passes would move 24. When dy arrives masked (<see cref="ReluMasks"/>: both of the
    /// output's consumers applied the mask) it passes through to both, and the engine copies it for the second.
    /// </summary>
    private readonly struct AddReluBackward(Tensor y) : IReluMaskingRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads, ReluMasks masks)
        {
            var backend = y.Backend;
            if (masks.OutputGradientMasked)
            {
                for (int k = 0; k < 2; k++) grads[k] = needs[k] ? gy : null;
                return;
            }
            if (needs[0] && needs[1])
            {
                grads[0] = Tensor.Empty(backend, y.Shape);
                grads[1] = Tensor.Empty(backend, y.Shape);
                backend.AddReluBackward(y.ElementCount, y.Buffer, gy.Buffer, grads[0]!.Buffer, grads[1]!.Buffer);
                return;
            }
            for (int k = 0; k < 2; k++)
            {
                if (!needs[k]) continue;
                grads[k] = Tensor.Empty(backend, y.Shape);
                backend.ReluBackward(y.ElementCount, y.Buffer, gy.Buffer, grads[k]!.Buffer);
            }
        }
    }

    /// <summary>dx = alpha · dy.</summary>
    private readonly struct ScaleBackward(float alpha) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads) =>
            grads[0] = ScaledCopy(gy, alpha);
    }

    /// <summary>da = dy ⊙ b, db = dy ⊙ a.</summary>
    private readonly struct MultiplyBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor a = inputs[0], b = inputs[1];
            var backend = a.Backend;
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, a.Shape);
                backend.Multiply(a.ElementCount, gy.Buffer, b.Buffer, grads[0]!.Buffer);
            }
            if (needs[1])
            {
                grads[1] = Tensor.Empty(backend, b.Shape);
                backend.Multiply(b.ElementCount, gy.Buffer, a.Buffer, grads[1]!.Buffer);
            }
        }
    }

    /// <summary>dx = dy viewed in x's shape.</summary>
    private readonly struct ReshapeBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads) =>
            grads[0] = gy.ViewAs(inputs[0].Shape);
    }

    /// <summary>da = alpha · dy, db = beta · dy (dy itself where the factor is one).</summary>
    private readonly struct LinearCombinationBackward(float alpha, float beta) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            if (needs[0]) grads[0] = alpha == 1f ? gy : ScaledCopy(gy, alpha);
            if (needs[1]) grads[1] = beta == 1f ? gy : ScaledCopy(gy, beta);
        }
    }
}
