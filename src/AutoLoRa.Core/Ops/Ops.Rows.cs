namespace AutoLoRa.Core;

public static partial class Ops
{
    /// <summary>
    /// Rows [start, start + count) of x along its first (batch) dimension, as a copy; works on
    /// float and int32 tensors (labels). The gradient flows back into those rows only — how a
    /// layer sends different parts of one batch down different paths (TWINS's two wings).
    /// </summary>
    public static Tensor Rows(Tensor x, int start, int count)
    {
        const string op = "rows";
        if (x.Shape.Rank < 1) throw new ArgumentException($"{op}: {x.Describe()} has no batch dimension.");
        int n = x.Shape[0];
        if (start < 0 || count < 1 || start + count > n)
        {
            throw new ArgumentException($"{op}: rows [{start}, {start + count}) are not a non-empty range inside {x.Describe()}.");
        }
        var backend = x.Backend;
        int rowSize = x.ElementCount / n;
        Span<int> dims = stackalloc int[x.Shape.Rank];
        x.Shape.AsSpan().CopyTo(dims);
        dims[0] = count;
        var y = Tensor.Empty(backend, new Shape(dims), x.DType);
        backend.Copy(new BufferSlice(x.Buffer, start * rowSize), y.Buffer, count * rowSize);
        return GradMode.Record(y, op, [x], new RowsBackward(start * rowSize, count * rowSize));
    }

    /// <summary>a's rows followed by b's rows (same shape apart from the first dimension); the inverse of two <see cref="Rows"/> calls.</summary>
    public static Tensor ConcatRows(Tensor a, Tensor b)
    {
        const string op = "concat_rows";
        var backend = SameBackend(op, a, b);
        ReadOnlySpan<int> db = b.Shape.AsSpan();
        Span<int> da = stackalloc int[a.Shape.Rank];
        a.Shape.AsSpan().CopyTo(da);
        if (da.Length < 1 || da.Length != db.Length || !da[1..].SequenceEqual(db[1..]) || a.DType != b.DType)
        {
            throw new ArgumentException($"{op}: {a.Describe()} ({a.DType}) and {b.Describe()} ({b.DType}) differ beyond their first dimension.");
        }
        da[0] += db[0];
        int sizeA = a.ElementCount, sizeB = b.ElementCount;
        var y = Tensor.Empty(backend, new Shape(da), a.DType);
        backend.Copy(a.Buffer, y.Buffer, sizeA);
        backend.Copy(b.Buffer, new BufferSlice(y.Buffer, sizeA), sizeB);
        return GradMode.Record(y, op, [a, b], default(ConcatRowsBackward));
    }

    /// <summary>dx = zeros with dy copied into the selected rows (elements [offset, offset + count)).</summary>
    private readonly struct RowsBackward(int offset, int count) : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            var x = inputs[0];
            var dx = Tensor.Zeros(x.Backend, x.Shape);
            x.Backend.Copy(gy.Buffer, new BufferSlice(dx.Buffer, offset), count);
            grads[0] = dx;
        }
    }

    /// <summary>da and db are dy's leading and trailing rows.</summary>
    private readonly struct ConcatRowsBackward : IBackwardRule
    {
        public void Backward(ReadOnlySpan<Tensor> inputs, Tensor gy, ReadOnlySpan<bool> needs, Span<Tensor?> grads)
        {
            Tensor a = inputs[0], b = inputs[1];
            var backend = a.Backend;
            int sizeA = a.ElementCount;
            if (needs[0])
            {
                grads[0] = Tensor.Empty(backend, a.Shape);
                backend.Copy(gy.Buffer, grads[0]!.Buffer, sizeA);
            }
            if (needs[1])
            {
                grads[1] = Tensor.Empty(backend, b.Shape);
                backend.Copy(new BufferSlice(gy.Buffer, sizeA), grads[1]!.Buffer, b.ElementCount);
            }
        }
    }
}
