namespace AutoLoRa.Formats.PyTorch;

/// <summary>
/// A tensor as the checkpoint describes it: a view (element offset, sizes, strides) of a storage
/// that other tensors may share. <see cref="ToEntry"/> gathers the view into a contiguous,
/// row-major safetensors entry.
/// </summary>
public sealed class TorchTensor
{
    private readonly long[] _shape;
    private readonly long[] _stride;

    internal TorchTensor(TorchStorage storage, SafeTensorDType dtype, long storageOffset, long[] shape, long[] stride, bool requiresGrad)
    {
        (Storage, DType, StorageOffset, RequiresGrad) = (storage, dtype, storageOffset, requiresGrad);
        (_shape, _stride) = (shape, stride);
    }

    /// <summary>The storage viewed (shared by every tensor that names the same key).</summary>
    public TorchStorage Storage { get; }

    /// <summary>Element type.</summary>
    public SafeTensorDType DType { get; }

    /// <summary>Offset of the first element in the storage, in elements.</summary>
    public long StorageOffset { get; }

    /// <summary>Sizes, outermost first; empty for a 0-dim tensor.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>Strides in elements, one per dimension.</summary>
    public IReadOnlyList<long> Stride => _stride;

    /// <summary>Whether the tensor was saved as requiring a gradient (a Parameter).</summary>
    public bool RequiresGrad { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => _shape.Aggregate(1L, (a, b) => checked(a * b));

    /// <summary>True when the view is the row-major layout of its shape (any offset).</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = _shape.Length - 1; d >= 0; d--)
            {
                if (_shape[d] != 1 && _stride[d] != expected) return false;
                expected *= _shape[d];
            }
            return true;
        }
    }

    /// <summary>
    /// Copies the viewed elements into a new contiguous entry named <paramref name="name"/>
    /// (bytes little-endian, whatever the file's byte order).
    /// </summary>
    /// <param name="name">Entry name.</param>
    /// <param name="source">File name for error messages.</param>
    /// <exception cref="TorchFormatException">The view reaches outside its storage.</exception>
    public SafeTensorEntry ToEntry(string name, string? source = null)
    {
        int size = TorchDTypes.Size(DType);
        var storage = Storage.Bytes(source);
        long count, bytes;
        try
        {
            count = ElementCount;
            bytes = checked(count * size);
            // The first and last element the view reaches, checked against the storage before the copy is allocated.
            long first = StorageOffset, last = StorageOffset;
            for (int d = 0; d < _shape.Length && count > 0; d++)
            {
                long reach = checked((_shape[d] - 1) * _stride[d]);
                if (reach < 0) first = checked(first + reach);
                else last = checked(last + reach);
            }
            if (count > 0 && (first < 0 || checked((last + 1) * size) > storage.Length))
                throw new TorchFormatException(source,
                    $"tensor '{DisplayText.Clip(name)}' ({DType}, shape {SafeTensorEntry.FormatShape(_shape)}, stride {SafeTensorEntry.FormatShape(_stride)}, offset {StorageOffset}) " +
                    $"reaches past the end of {Storage} ({storage.Length} bytes present)");
        }
        catch (OverflowException e)
        {
            throw new TorchFormatException(source, $"tensor '{DisplayText.Clip(name)}': its shape, strides or offset overflow 64 bits", e);
        }
        if (bytes < 0 || bytes > Array.MaxLength) throw new TorchFormatException(source, $"tensor '{DisplayText.Clip(name)}' is {bytes} bytes, more than one array can hold");
        var result = new byte[bytes];
        if (count > 0)
        {
            if (IsContiguous)
                storage.Slice(checked((int)(StorageOffset * size)), result.Length).CopyTo(result);
            else
                Gather(storage, result, size);
            if (Storage.BigEndian && size > 1)
            {
                for (int i = 0; i < result.Length; i += size) result.AsSpan(i, size).Reverse();
            }
        }
        return new SafeTensorEntry(name, DType, _shape, result);
    }

    // Walks the view in row-major order with an odometer over the indices, so any strides
    // (transposes, slices, expanded dims with stride 0) come out contiguous.
    private void Gather(ReadOnlySpan<byte> storage, byte[] result, int size)
    {
        int rank = _shape.Length;
        var index = new long[rank];
        long offset = StorageOffset;
        for (long written = 0; written < result.Length; written += size)
        {
            storage.Slice(checked((int)(offset * size)), size).CopyTo(result.AsSpan((int)written, size));
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                offset += _stride[d];
                if (index[d] < _shape[d]) break;
                offset -= _stride[d] * _shape[d];
                index[d] = 0;
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor({DType}{SafeTensorEntry.FormatShape(_shape)} of {Storage})";
}
