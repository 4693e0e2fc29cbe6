using System.Buffers.Binary;

namespace AutoLoRa.Formats;

/// <summary>
/// One named tensor of a safetensors file: dtype, shape and its raw little-endian, row-major
/// bytes. Construction checks that the byte count matches shape × dtype, so an entry that exists
/// is always writable.
/// </summary>
public sealed class SafeTensorEntry
{
    private readonly long[] _shape;

    /// <summary>Creates an entry over raw little-endian bytes (not copied).</summary>
    /// <param name="name">Tensor name, e.g. <c>layer1.0.conv1.weight</c>.</param>
    /// <param name="dtype">Element type.</param>
    /// <param name="shape">Dimensions; empty for a 0-dim scalar, a 0 dimension for an empty tensor.</param>
    /// <param name="data">Exactly element count × element size bytes.</param>
    /// <exception cref="ArgumentException">A negative dimension, an overflowing shape, or a byte
    /// count that does not match the shape.</exception>
    public SafeTensorEntry(string name, SafeTensorDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        long expected = ByteCount(name, dtype, shape);
        if (data.Length != expected)
            throw new ArgumentException(
                $"tensor '{name}': {dtype} shape {FormatShape(shape)} needs {expected} bytes, got {data.Length}",
                nameof(data));
        Name = name;
        DType = dtype;
        _shape = shape.ToArray();
        ElementCount = CountElements(name, shape);
        Data = data;
    }

    /// <summary>Tensor name (the header key).</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public SafeTensorDType DType { get; }

    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>Number of elements (1 for a scalar, 0 if any dimension is 0).</summary>
    public long ElementCount { get; }

    /// <summary>Raw little-endian, row-major element bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Creates an F32 entry from values (copied).</summary>
    public static SafeTensorEntry FromFloat32(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> values) =>
        new(name, SafeTensorDType.F32, shape, LittleEndian.ToBytes(values));

    /// <summary>Creates an F64 entry from values (copied).</summary>
    public static SafeTensorEntry FromFloat64(string name, ReadOnlySpan<long> shape, ReadOnlySpan<double> values) =>
        new(name, SafeTensorDType.F64, shape, LittleEndian.ToBytes(values));

    /// <summary>Creates an F16 entry from half values (copied).</summary>
    public static SafeTensorEntry FromFloat16(string name, ReadOnlySpan<long> shape, ReadOnlySpan<Half> values) =>
        new(name, SafeTensorDType.F16, shape, LittleEndian.ToBytes(values));

    /// <summary>Creates a BF16 entry, rounding each float to nearest-even bfloat16.</summary>
    public static SafeTensorEntry FromBFloat16(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * 2)];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), ToBFloat16Bits(values[i]));
        return new(name, SafeTensorDType.BF16, shape, bytes);
    }

    /// <summary>Creates an I64 entry from values (copied).</summary>
    public static SafeTensorEntry FromInt64(string name, ReadOnlySpan<long> shape, ReadOnlySpan<long> values) =>
        new(name, SafeTensorDType.I64, shape, LittleEndian.ToBytes(values));

    /// <summary>Creates an I32 entry from values (copied).</summary>
    public static SafeTensorEntry FromInt32(string name, ReadOnlySpan<long> shape, ReadOnlySpan<int> values) =>
        new(name, SafeTensorDType.I32, shape, LittleEndian.ToBytes(values));

    /// <summary>
    /// The elements as float32: F32 as stored, F16 and BF16 widened exactly (so checkpoints saved
    /// in half precision load into a float32 model).
    /// </summary>
    /// <exception cref="InvalidOperationException">Any other dtype.</exception>
    public float[] AsFloat32()
    {
        var bytes = Data.Span;
        switch (DType)
        {
            case SafeTensorDType.F32:
                return LittleEndian.FromBytes<float>(bytes);
            case SafeTensorDType.F16:
            {
                var result = new float[ElementCount];
                for (int i = 0; i < result.Length; i++)
                    result[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                return result;
            }
            case SafeTensorDType.BF16:
            {
                // bfloat16 is the top half of a float32, so widening is a shift: exact, NaN kept.
                var result = new float[ElementCount];
                for (int i = 0; i < result.Length; i++)
                    result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                return result;
            }
            default:
                throw WrongType("float32", "F32, F16 or BF16");
        }
    }

    /// <summary>The elements as float64 (F64 only).</summary>
    /// <exception cref="InvalidOperationException">Any other dtype.</exception>
    public double[] AsFloat64() =>
        DType == SafeTensorDType.F64 ? LittleEndian.FromBytes<double>(Data.Span) : throw WrongType("float64", "F64");

    /// <summary>The elements as int64: I64 as stored, I32 widened.</summary>
    /// <exception cref="InvalidOperationException">Any other dtype.</exception>
    public long[] AsInt64()
    {
        switch (DType)
        {
            case SafeTensorDType.I64:
                return LittleEndian.FromBytes<long>(Data.Span);
            case SafeTensorDType.I32:
                return Array.ConvertAll(LittleEndian.FromBytes<int>(Data.Span), v => (long)v);
            default:
                throw WrongType("int64", "I64 or I32");
        }
    }

    /// <summary>The elements as int32 (I32 only).</summary>
    /// <exception cref="InvalidOperationException">Any other dtype.</exception>
    public int[] AsInt32() =>
        DType == SafeTensorDType.I32 ? LittleEndian.FromBytes<int>(Data.Span) : throw WrongType("int32", "I32");

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType}{FormatShape(_shape)}";

    /// <summary>Round-to-nearest-even float32 → bfloat16 bits; NaN stays a (quiet) NaN.</summary>
    internal static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    internal static string FormatShape(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    private InvalidOperationException WrongType(string target, string accepted) =>
        new($"tensor '{Name}' is {DType}; reading it as {target} needs {accepted}");

    private static long CountElements(string name, ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0)
                throw new ArgumentException($"tensor '{name}': negative dimension in shape {FormatShape(shape)}", nameof(shape));
            try
            {
                count = checked(count * dim);
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"tensor '{name}': element count of shape {FormatShape(shape)} overflows", nameof(shape));
            }
        }
        return count;
    }

    private static long ByteCount(string name, SafeTensorDType dtype, ReadOnlySpan<long> shape)
    {
        long count = CountElements(name, shape);
        long bits;
        try
        {
            bits = checked(count * dtype.BitSize());
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"tensor '{name}': byte count of {dtype} shape {FormatShape(shape)} overflows", nameof(shape));
        }
        if (bits % 8 != 0)
            throw new ArgumentException($"tensor '{name}': {dtype} shape {FormatShape(shape)} is {bits} bits, not whole bytes", nameof(shape));
        return bits / 8;
    }
}
