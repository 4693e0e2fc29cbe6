using AutoLoRa.Formats;

namespace AutoLoRa.Formats.Tests.SafeTensors;

public sealed class RoundTripTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<SafeTensorDType> AllDTypes()
    {
        var data = new TheoryData<SafeTensorDType>();
        foreach (var dtype in Enum.GetValues<SafeTensorDType>())
            data.Add(dtype);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void EveryDTypeRoundTripsThroughAFile(SafeTensorDType dtype)
    {
        // Sub-byte types need element counts that fill whole bytes (4 × 6 bits = 3 bytes, 2 × 4 bits = 1).
        long[][] shapes = dtype.BitSize() % 8 == 0
            ? [[], [0], [3, 0, 2], [5], [2, 3], [1, 2, 2, 3]]
            : [[0], [4], [2, 4]];
        var entries = shapes.Select((shape, i) =>
        {
            long count = shape.Aggregate(1L, (a, d) => a * d);
            var bytes = new byte[count * dtype.BitSize() / 8];
            for (int b = 0; b < bytes.Length; b++)
                bytes[b] = (byte)(31 * b + 7 * i + 1);
            return new SafeTensorEntry($"t{i}", dtype, shape, bytes);
        }).ToList();
        string path = _dir.File("all.safetensors");

        Formats.SafeTensors.Write(path, entries);
        var read = Formats.SafeTensors.Read(path);

        Assert.Equal(entries.Count, read.Entries.Count);
        foreach (var expected in entries)
        {
            var actual = read[expected.Name];
            Assert.Equal(dtype, actual.DType);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.Data.ToArray(), actual.Data.ToArray());
        }
    }

    [Fact]
    public void ScalarHasOneElementAndEmptyTensorHasNoBytes()
    {
        var scalar = SafeTensorEntry.FromInt64("bn.num_batches_tracked", [], [123456789012L]);
        var empty = SafeTensorEntry.FromFloat32("nothing", [4, 0], []);

        var read = Formats.SafeTensors.Read(Formats.SafeTensors.Serialize([scalar, empty]));

        Assert.Empty(read["bn.num_batches_tracked"].Shape);
        Assert.Equal(1, read["bn.num_batches_tracked"].ElementCount);
        Assert.Equal([123456789012L], read["bn.num_batches_tracked"].AsInt64());
        Assert.Equal([4L, 0L], read["nothing"].Shape);
        Assert.Equal(0, read["nothing"].Data.Length);
        Assert.Empty(read["nothing"].AsFloat32());
    }

    [Fact]
    public void TypedValuesRoundTrip()
    {
        float[] floats = [0f, -1.5f, float.MaxValue, float.Epsilon, float.NegativeInfinity, 3.25e-8f];
        double[] doubles = [Math.PI, -0.0, double.MinValue];
        long[] longs = [long.MinValue, -1, 0, long.MaxValue];
        int[] ints = [int.MinValue, 42];

        var read = Formats.SafeTensors.Read(Formats.SafeTensors.Serialize([
            SafeTensorEntry.FromFloat32("f", [2, 3], floats),
            SafeTensorEntry.FromFloat64("d", [3], doubles),
            SafeTensorEntry.FromInt64("l", [2, 2], longs),
            SafeTensorEntry.FromInt32("i", [2], ints),
        ]));

        Assert.Equal(floats, read["f"].AsFloat32());
        Assert.Equal(doubles, read["d"].AsFloat64());
        Assert.Equal(longs, read["l"].AsInt64());
        Assert.Equal(ints, read["i"].AsInt32());
        Assert.Equal(ints.Select(v => (long)v), read["i"].AsInt64());
    }

    [Fact]
    public void HalfPrecisionReadsAsFloat32()
    {
        // Values exactly representable in both half formats, plus infinities and NaN.
        float[] values = [0f, 1f, -2.5f, 0.15625f, 1024f, float.PositiveInfinity, float.NaN];
        var halves = values.Select(v => (Half)v).ToArray();

        var read = Formats.SafeTensors.Read(Formats.SafeTensors.Serialize([
            SafeTensorEntry.FromFloat16("h", [values.Length], halves),
            SafeTensorEntry.FromBFloat16("b", [values.Length], values),
        ]));

        Assert.Equal(values, read["h"].AsFloat32());
        Assert.Equal(values, read["b"].AsFloat32());
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        // 1 + 2^-8 lies exactly between two bfloat16 values (1 and 1 + 2^-7): ties go to even (1).
        Assert.Equal(0x3F80, SafeTensorEntry.ToBFloat16Bits(1f + 1f / 256));
        // 1 + 3·2^-8 ties between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
        Assert.Equal(0x3F82, SafeTensorEntry.ToBFloat16Bits(1f + 3f / 256));
        // Just above the halfway point rounds up.
        Assert.Equal(0x3F81, SafeTensorEntry.ToBFloat16Bits(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.True(float.IsNaN(BitConverter.Int32BitsToSingle(SafeTensorEntry.ToBFloat16Bits(float.NaN) << 16)));
    }

    [Fact]
    public void MetadataRoundTripsAndIsOmittedWhenEmpty()
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "quotes \" backslash \\ newline \n tab \t bell \u0007 unicode é 𝔸",
            ["empty"] = "",
        };
        var tensor = SafeTensorEntry.FromFloat32("w", [1], [1f]);

        var withMeta = Formats.SafeTensors.Read(Formats.SafeTensors.Serialize([tensor], metadata));
        var withoutMeta = Formats.SafeTensors.Serialize([tensor], new Dictionary<string, string>());

        Assert.Equal(metadata.OrderBy(p => p.Key), withMeta.Metadata.OrderBy(p => p.Key));
        Assert.Equal(-1, withoutMeta.AsSpan().IndexOf("__metadata__"u8));
        Assert.Empty(Formats.SafeTensors.Read(withoutMeta).Metadata);
    }

    [Fact]
    public void StreamsSeekableAndNotReadTheSame()
    {
        var bytes = Formats.SafeTensors.Serialize([SafeTensorEntry.FromFloat32("a", [2], [1f, 2f])]);
        var prefixed = new byte[3].Concat(bytes).ToArray();

        using var seekable = new MemoryStream(prefixed);
        seekable.Position = 3; // reading starts at the current position, not at 0
        var fromSeekable = Formats.SafeTensors.Read(seekable, "mem");
        using var forwardOnly = new ForwardOnlyStream(bytes);
        var fromForward = Formats.SafeTensors.Read(forwardOnly, "pipe");

        Assert.Equal([1f, 2f], fromSeekable["a"].AsFloat32());
        Assert.Equal([1f, 2f], fromForward["a"].AsFloat32());
    }

    [Fact]
    public void WrongTypedAccessorNamesTheTensorAndDType()
    {
        var entry = SafeTensorEntry.FromInt64("count", [], [1]);
        var ex = Assert.Throws<InvalidOperationException>(() => entry.AsFloat32());
        Assert.Contains("count", ex.Message);
        Assert.Contains("I64", ex.Message);
    }

    [Fact]
    public void EntryRejectsDataThatDoesNotMatchItsShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SafeTensorEntry("w", SafeTensorDType.F32, [2, 3], new byte[20]));
        Assert.Contains("needs 24 bytes, got 20", ex.Message);
        Assert.Throws<ArgumentException>(() => new SafeTensorEntry("w", SafeTensorDType.F32, [-1], Array.Empty<byte>()));
        Assert.Throws<ArgumentException>(() => new SafeTensorEntry("w", SafeTensorDType.F32, [1L << 40, 1L << 40], Array.Empty<byte>()));
    }

    [Fact]
    public void WriterRejectsDuplicateAndReservedNames()
    {
        var a = SafeTensorEntry.FromFloat32("a", [1], [1f]);
        Assert.Throws<ArgumentException>(() => Formats.SafeTensors.Serialize([a, a]));
        Assert.Throws<ArgumentException>(() => Formats.SafeTensors.Serialize([SafeTensorEntry.FromFloat32("__metadata__", [1], [1f])]));
        Assert.Throws<ArgumentException>(() => Formats.SafeTensors.Serialize([SafeTensorEntry.FromFloat32("bad\uD800", [1], [1f])]));
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
