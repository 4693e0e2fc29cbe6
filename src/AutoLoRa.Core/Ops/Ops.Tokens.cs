namespace AutoLoRa.Core;

/// <summary>
/// What a vision transformer does to its token sequences besides arithmetic: exchange two axes
/// (patches ↔ channels, tokens ↔ heads), put the class token in front, add the position
/// embedding to every sample, and take one token out again.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// x with axes <paramref name="axis"/> and <paramref name="axis"/> + 1 exchanged, as a copy:
    /// (…, A, B, …) → (…, B, A, …). The patch embedding turns (N, D, P) into (N, P, D) with it
    /// (attention reads its heads in place instead, <see cref="MultiHeadAttention"/>).
    /// </summary>
    public static Tensor SwapAxes(Tensor x, int axis)
    {
        const string op = "swap_axes";
        RequireFloat(op, x);
        int rank = x.Shape.Rank;
        if (axis < 0 || axis + 1 >= rank) throw new ArgumentException($"{op}: axes {axis} and {axis + 1} are not both inside {x.Describe()}.");
        // On the stack: this runs in every forward pass, and a warm step allocates nothing.
        Span<int> dims = stackalloc int[rank];
        x.Shape.AsSpan().CopyTo(dims);
        var (outer, a, b, inner) = SwapView(dims, axis);
        (dims[axis], dims[axis + 1]) = (dims[axis + 1], dims[axis]);
        var y = Tensor.Empty(x.Backend, new Shape(dims));
        x.Backend.SwapAxes(outer, a, b, inner, x.Buffer, y.Buffer);
        return GradMode.Record(y, op, [x], new SwapAxesBackward(outer, a, b, inner));
    }

    /// <summary>(N, P, D) patches with the (1, 1, D) class token put in front of each sample's sequence: (N, 1 + P, D).</summary>
    public static Tensor PrependToken(Tensor x, Tensor token)
    {
        const string op = "prepend_token";
        var backend = SameBackend(op, x, token);
        RequireRank(op, x, 3, "(N, P, D)");
        int n = x.Shape[0], p = x.Shape[1], d = x.Shape[2];
        if (token.ElementCount != d || token.Shape[token.Shape.Rank - 1] != d)
        {
            throw new ArgumentException($"{op}: token {token.Describe()} must hold one {d}-wide token for input {x.Describe()}.");
        }
        var y = Tensor.Empty(backend, new Shape(n, 1 + p, d));
        // Two strided copies whatever the batch (on CUDA two launches, not two per sample): the one
        // token repeated into every sequence's first row, each sample's patches behind it.
        backend.CopyRows(n, d, token.Buffer, 0, 0, y.Buffer, 0, (1 + p) * d);
        backend.CopyRows(n, p * d, x.Buffer, 0, p * d, y.Buffer, d, (1 + p) * d);
        return GradMode.Record(y, op, [x, token], default(PrependTokenBackward));
    }

    /// <summary>x (N, …) + p, with p (1, …) or (…) the same for every sample (the position embedding).</summary>
    public static Tensor AddToEachSample(Tensor x, Tensor p)
    {
        const string op = "add_to_each_sample";
        var backend = SameBackend(op, x, p);
        RequireFloat(op, x);
        if (x.Shape.Rank < 1 || x.ElementCount != x.Shape[0] * p.ElementCount)
        {
            throw new ArgumentException($"{op}: {p.Describe()} does not match one sample of {x.Describe()}.");
        }
        var y = Tensor.Empty(backend, x.Shape);
        backend.Copy(x.Buffer, y.Buffer, x.ElementCount);
        backend.AddBias(x.Shape[0], p.ElementCount, 1, y.Buffer, p.Buffer);
        return GradMode.Record(y, op, [x, p], default(AddToEachSampleBackward));
    }

    /// <summary>Token <paramref name="index"/> of every sample of x (N, T, D): (N, D). The class token is index 0.</summary>
    public static Tensor Token(Tensor x, int index)
    {
        const string op = "token";
        RequireRank(op, x, 3, "(N, T, D)");
        int n = x.Shape[0], t = x.Shape[1], d = x.Shape[2];
        if (index < 0 || index >= t) throw new ArgumentException($"{op}: token {index} is outside {x.Describe()}.");
        var y = Tensor.Empty(x.Backend, new Shape(n, d));
        x.Backend.CopyRows(n, d, x.Buffer, index * d, t * d, y.Buffer, 0, d);
        return GradMode.Record(y, op, [x], new TokenBackward(index));
    }

    /// <summary>dims viewed as (outer, a, b, inner) around the swapped pair.</summary>
    private static (int Outer, int A, int B, int Inner) SwapView(ReadOnlySpan<int> dims, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= dims[i];
        for (int i = axis + 2; i < dims.Length; i++) inner *= dims[i];
        return (outer, dims[axis], dims[axis + 1], inner);
    }

    /// <summary>dx is dy with the same two axes exchanged back.</summary>
    private readonly struct SwapAxesBackward(int outer, int a, int b, int inner) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            grads[0] = Tensor.Empty(x.Backend, x.Shape);
            x.Backend.SwapAxes(outer, b, a, inner, gy.Buffer, grads[0]!.Buffer);
        }
    }

    /// <summary>dx is dy without each sample's first token; dtoken sums those first tokens over the batch.</summary>
    private readonly struct PrependTokenBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], token = inputs[1];
            var backend = x.Backend;
            int n = x.Shape[0], p = x.Shape[1], d = x.Shape[2];
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, x.Shape);
                backend.CopyRows(n, p * d, gy.Buffer, d, (1 + p) * d, grads[0]!.Buffer, 0, p * d);
            }
            if (needs[1])
            {
                using var firsts = Tensor.Empty(backend, new Shape(n, d));
                backend.CopyRows(n, d, gy.Buffer, 0, (1 + p) * d, firsts.Buffer, 0, d);
                grads[1] = Tensor.Empty(backend, token.Shape);
                backend.BiasBackward(n, d, 1, firsts.Buffer, grads[1]!.Buffer);
            }
        }
    }

    /// <summary>dx = dy; dp sums dy over the samples.</summary>
    private readonly struct AddToEachSampleBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor x = inputs[0], p = inputs[1];
            var backend = x.Backend;
            // dx is dy itself, as Add passes it on: nothing to copy.
            if (needs[0]) grads[0] = gy;
            if (needs[1])
            {
                grads[1] = Tensor.Empty(backend, p.Shape);
                backend.BiasBackward(x.Shape[0], p.ElementCount, 1, gy.Buffer, grads[1]!.Buffer);
            }
        }
    }

    /// <summary>dx is zero except the selected token of each sample, which receives dy.</summary>
    private readonly struct TokenBackward(int index) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            int n = x.Shape[0], t = x.Shape[1], d = x.Shape[2];
            var dx = Tensor.Zeros(x.Backend, x.Shape);
            x.Backend.CopyRows(n, d, gy.Buffer, 0, d, dx.Buffer, index * d, t * d);
            grads[0] = dx;
        }
    }
}
