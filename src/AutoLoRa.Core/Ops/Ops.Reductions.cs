namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>Sum of all elements, as a scalar tensor.</summary>
    public static Tensor Sum(Tensor x) => Reduce("sum", x, 1f);

    /// <summary>Mean of all elements, as a scalar tensor.</summary>
    public static Tensor Mean(Tensor x) => Reduce("mean", x, 1f / x.ElementCount);

    private static Tensor Reduce(string op, Tensor x, float factor)
    {
        var backend = x.Backend;
        RequireFloat(op, x);
        var result = Tensor.Empty(backend, Shape.Scalar);
        backend.Sum(x.ElementCount, x.Buffer, result.Buffer);
        if (factor != 1f) backend.Scale(1, factor, result.Buffer, result.Buffer);
        return GradMode.Record(result, op, [x], new ReduceBackward(factor));
    }

    /// <summary>dx = factor · dy broadcast to x's shape.</summary>
    private readonly struct ReduceBackward(float factor) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            var backend = x.Backend;
            // Broadcast the scalar gradient on the device (a bias add over one channel), so no
            // host round trip is needed.
            var dx = Tensor.Zeros(backend, x.Shape);
            backend.AddBias(1, 1, x.ElementCount, dx.Buffer, gy.Buffer);
            if (factor != 1f) backend.Scale(x.ElementCount, factor, dx.Buffer, dx.Buffer);
            grads[0] = dx;
        }
    }
}
