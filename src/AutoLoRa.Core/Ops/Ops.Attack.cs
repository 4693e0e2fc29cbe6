namespace AutoLoRa.Core;

/// <summary>
/// Operations attacks use between gradient computations. They are not differentiable: their
/// results never join the tape, whatever their inputs require.
/// </summary>
public static partial class Ops
{
    /// <summary>sign(x) with sign(0) = 0.</summary>
    public static Tensor Sign(Tensor x) => Unary(x, (b, t, y) => b.Sign(t.ElementCount, t.Buffer, y.Buffer));

    /// <summary>x limited to [<paramref name="min"/>, <paramref name="max"/>] elementwise.</summary>
    public static Tensor Clamp(Tensor x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"clamp: min {min} exceeds max {max}.");
        return Unary(x, (b, t, y) => b.Clamp(t.ElementCount, t.Buffer, min, max, y.Buffer));
    }

    /// <summary>The elementwise minimum of two tensors of one shape.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary("minimum", a, b, (be, y) => be.Minimum(a.ElementCount, a.Buffer, b.Buffer, y.Buffer));

    /// <summary>The elementwise maximum of two tensors of one shape.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary("maximum", a, b, (be, y) => be.Maximum(a.ElementCount, a.Buffer, b.Buffer, y.Buffer));

    /// <summary>One L∞ PGD step: clip01(clip(x + alpha·sign(grad), x0 − eps, x0 + eps)).</summary>
    public static Tensor PgdStep(Tensor x, Tensor grad, Tensor x0, float alpha, float eps)
    {
        const string op = "pgd_step";
        var backend = SameBackend(op, x, grad, x0);
        RequireSameShape(op, x, grad);
        RequireSameShape(op, x, x0);
        var y = Tensor.Empty(backend, x.Shape);
        backend.PgdStep(x.ElementCount, x.Buffer, grad.Buffer, x0.Buffer, alpha, eps, y.Buffer);
        return y;
    }

    private static Tensor Unary(Tensor x, Action<Backends.Backend, Tensor, Tensor> run)
    {
        RequireFloat("elementwise", x);
        var y = Tensor.Empty(x.Backend, x.Shape);
        run(x.Backend, x, y);
        return y;
    }

    private static Tensor Binary(string op, Tensor a, Tensor b, Action<Backends.Backend, Tensor> run)
    {
        var backend = SameBackend(op, a, b);
        RequireSameShape(op, a, b);
        var y = Tensor.Empty(backend, a.Shape);
        run(backend, y);
        return y;
    }
}
