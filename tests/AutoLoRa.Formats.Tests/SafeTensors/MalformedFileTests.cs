using System.Buffers.Binary;
using System.Text;
using AutoLoRa.Formats;

namespace AutoLoRa.Formats.Tests.SafeTensors;

/// <summary>
/// Every broken-file case must raise <see cref="SafeTensorsFormatException"/> with the rule
/// broken, the file, the tensor (when one is at fault), the offset and what was expected.
/// Files are read from disk, the path the CLI uses.
/// </summary>
public sealed class MalformedFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private SafeTensorsFormatException ReadBroken(byte[] bytes)
    {
        string path = _dir.File("broken.safetensors");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<SafeTensorsFormatException>(() => Formats.SafeTensors.Read(path));
        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith(path, ex.Message);
        // The in-memory reader must agree on the verdict.
        var fromMemory = Assert.Throws<SafeTensorsFormatException>(() => Formats.SafeTensors.Read(bytes));
        Assert.Equal(ex.Error, fromMemory.Error);
        return ex;
    }

    private SafeTensorsFormatException ReadBroken(string header, byte[] data) =>
        ReadBroken(Assemble.File(header, data));

    private static string F32(string name, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    [Fact]
    public void FileShorterThanTheLengthPrefix()
    {
        var ex = ReadBroken([1, 0, 0, 0, 0]);
        Assert.Equal(SafeTensorsError.HeaderTooSmall, ex.Error);
        Assert.Contains("5 bytes", ex.Message);
        Assert.Equal(0, ex.FileOffset);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        var bytes = Assemble.File("{}      ", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100);
        var ex = ReadBroken(bytes);
        Assert.Equal(SafeTensorsError.InvalidHeaderLength, ex.Error);
        Assert.Contains("header length 100", ex.Message);
        Assert.Contains("expected at most 8", ex.Message);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    public void HeaderLengthOverTheLimit(ulong claimed)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimed);
        var ex = ReadBroken(bytes);
        Assert.Equal(SafeTensorsError.HeaderTooLarge, ex.Error);
        Assert.Contains("100000000", ex.Message);
    }

    [Fact]
    public void HeaderNotUtf8()
    {
        var header = Encoding.UTF8.GetBytes("{\"w\xff\":{}}").ToArray();
        header[3] = 0xFF;
        var ex = ReadBroken(Assemble.File(header, []));
        Assert.Equal(SafeTensorsError.InvalidHeader, ex.Error);
        Assert.Equal(8 + 3, ex.FileOffset);
        Assert.Contains("0xFF", ex.Message);
    }

    [Theory]
    [InlineData("{\"w\":", "not valid JSON")]
    [InlineData("{} x", "not valid JSON")]
    [InlineData("{\"__metadata__\":{},}", "not valid JSON")]
    [InlineData("", "holds no JSON")]
    [InlineData("        ", "holds no JSON")]
    public void HeaderNotValidJson(string header, string expected)
    {
        var ex = ReadBroken(header, []);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("[1,2]", "array")]
    [InlineData("\"text\"", "string")]
    [InlineData("null", "null")]
    public void HeaderNotAnObject(string header, string kind)
    {
        var ex = ReadBroken(header, []);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains($"is a JSON {kind}; expected a JSON object", ex.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "lacks data_offsets")]
    [InlineData("{\"w\":{\"data_offsets\":[0,4]}}", "lacks dtype, shape")]
    [InlineData("{\"w\":[0,4]}", "entry is a JSON array")]
    public void EntryWithMissingFields(string header, string expected)
    {
        var ex = ReadBroken(header, new byte[4]);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Equal("w", ex.TensorName);
        Assert.Contains(expected, ex.Message);
        Assert.Contains("tensor 'w'", ex.Message);
    }

    [Theory]
    [InlineData("F33")]
    [InlineData("f32")]
    [InlineData("11")]
    [InlineData("")]
    [InlineData("F32 ")]
    [InlineData(" F32")]
    public void UnknownDType(string dtype)
    {
        var ex = ReadBroken($"{{\"w\":{{\"dtype\":\"{dtype}\",\"shape\":[1],\"data_offsets\":[0,4]}}}}", new byte[4]);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains($"unknown dtype '{dtype}'", ex.Message);
        Assert.Contains("expected one of BOOL", ex.Message);
        Assert.Equal(8 + 14, ex.FileOffset); // the dtype string token: {"w":{"dtype": is 14 bytes
    }

    [Theory]
    [InlineData("[-1]", "-1")]
    [InlineData("[2.0]", "2.0")]
    [InlineData("[1e1]", "1e1")]
    [InlineData("[\"2\"]", "holds a JSON string")]
    [InlineData("[18446744073709551616]", "18446744073709551616")]
    [InlineData("4", "expected an array")]
    public void ShapeNotNonNegativeIntegers(string shape, string expected)
    {
        var ex = ReadBroken($"{{\"w\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,4]}}}}", new byte[4]);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains(expected, ex.Message);
        Assert.Equal("w", ex.TensorName);
    }

    [Theory]
    [InlineData("[0]", "1 numbers")]
    [InlineData("[0,4,8]", "3 numbers")]
    [InlineData("[0,-4]", "-4")]
    public void DataOffsetsNotAPair(string offsets, string expected)
    {
        var ex = ReadBroken($"{{\"w\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{offsets}}}}}", new byte[4]);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void OffsetsWithAGap()
    {
        string header = "{" + F32("a", "[1]", 0, 4) + "," + F32("b", "[1]", 8, 12) + "}";
        var ex = ReadBroken(header, new byte[12]);
        Assert.Equal(SafeTensorsError.InvalidOffset, ex.Error);
        Assert.Equal("b", ex.TensorName);
        Assert.Contains("begin at 8; expected 4, where tensor 'a' ends (a gap of 4 bytes)", ex.Message);
        // The offset reported is where b claims to start in the file: data start + 8.
        Assert.Equal(8 + header.Length + 8, ex.FileOffset);
    }

    [Fact]
    public void OverlappingOffsets()
    {
        var ex = ReadBroken("{" + F32("a", "[2]", 0, 8) + "," + F32("b", "[2]", 4, 12) + "}", new byte[12]);
        Assert.Equal(SafeTensorsError.InvalidOffset, ex.Error);
        Assert.Equal("b", ex.TensorName);
        Assert.Contains("overlaps by 4 bytes", ex.Message);
    }

    [Fact]
    public void FirstTensorNotAtZero()
    {
        var ex = ReadBroken("{" + F32("a", "[1]", 4, 8) + "}", new byte[8]);
        Assert.Equal(SafeTensorsError.InvalidOffset, ex.Error);
        Assert.Contains("expected 0", ex.Message);
    }

    [Fact]
    public void EndBeforeBegin()
    {
        var ex = ReadBroken("{" + F32("a", "[1]", 0, 4) + "," + F32("b", "[0]", 4, 0) + "}", new byte[4]);
        Assert.Equal(SafeTensorsError.InvalidOffset, ex.Error);
        Assert.Equal("b", ex.TensorName);
        Assert.Contains("end before they begin", ex.Message);
    }

    [Fact]
    public void ByteCountDoesNotMatchTheShape()
    {
        var ex = ReadBroken("{" + F32("w", "[2,3]", 0, 20) + "}", new byte[20]);
        Assert.Equal(SafeTensorsError.TensorInvalidInfo, ex.Error);
        Assert.Equal("w", ex.TensorName);
        Assert.Contains("span 20 bytes; expected 24 bytes for F32 shape [2, 3]", ex.Message);
    }

    [Theory]
    [InlineData("[1099511627776,1099511627776]")]          // 2^80 elements
    [InlineData("[4611686018427387904]")]                  // 2^62 elements × 32 bits overflows
    [InlineData("[18446744073709551615,2]")]
    public void ShapeWhoseSizeOverflows(string shape)
    {
        var ex = ReadBroken("{" + F32("huge", shape, 0, 4) + "}", new byte[4]);
        Assert.Equal(SafeTensorsError.ValidationOverflow, ex.Error);
        Assert.Equal("huge", ex.TensorName);
        Assert.Contains("overflows", ex.Message);
    }

    [Fact]
    public void SubByteTensorNotFillingWholeBytes()
    {
        var ex = ReadBroken("{\"q\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,1]}}", new byte[1]);
        Assert.Equal(SafeTensorsError.MisalignedSlice, ex.Error);
        Assert.Contains("12 bits", ex.Message);
    }

    [Fact]
    public void TrailingBytesAfterTheLastTensor()
    {
        var ex = ReadBroken("{" + F32("w", "[1]", 0, 4) + "}", new byte[7]);
        Assert.Equal(SafeTensorsError.MetadataIncompleteBuffer, ex.Error);
        Assert.Equal("w", ex.TensorName);
        Assert.Contains("3 trailing bytes", ex.Message);
    }

    [Fact]
    public void TruncatedData()
    {
        var ex = ReadBroken("{" + F32("w", "[2]", 0, 8) + "}", new byte[5]);
        Assert.Equal(SafeTensorsError.MetadataIncompleteBuffer, ex.Error);
        Assert.Contains("truncated by 3 bytes", ex.Message);
    }

    [Fact]
    public void HostileSizeClaimIsRejectedBeforeAllocating()
    {
        // 16 GiB claimed by a 60-byte file: must fail on the length check, not on allocation.
        var ex = ReadBroken("{" + F32("w", "[4294967296]", 0, 17179869184) + "}", new byte[4]);
        Assert.Equal(SafeTensorsError.MetadataIncompleteBuffer, ex.Error);
    }

    [Theory]
    [InlineData("{\"epoch\":3}", "key 'epoch' is a JSON number")]
    [InlineData("{\"nested\":{\"a\":\"b\"}}", "key 'nested' is a JSON object")]
    [InlineData("{\"flag\":true}", "key 'flag' is a JSON boolean")]
    [InlineData("[\"pt\"]", "'__metadata__' is a JSON array")]
    public void MetadataWithNonStringValues(string metadata, string expected)
    {
        var ex = ReadBroken("{\"__metadata__\":" + metadata + "}", []);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains(expected, ex.Message);
        Assert.Contains("expected", ex.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[1,1]}}", "duplicate key 'w'")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "duplicate field 'dtype'")]
    [InlineData("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "duplicate '__metadata__' key 'a'")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":{},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "duplicate key '__metadata__'")]
    public void DuplicateKeys(string header, string expected)
    {
        var ex = ReadBroken(header, [9]);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void LoneSurrogateEscapeInAName()
    {
        var ex = ReadBroken("{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", []);
        Assert.Equal(SafeTensorsError.InvalidHeaderDeserialization, ex.Error);
    }

    [Fact]
    public void RandomCorruptionOnlyEverRaisesTheFormatException()
    {
        // Mutate and truncate a valid file; whatever happens, it is a clean verdict, never an
        // IndexOutOfRange, overflow or allocation failure.
        var valid = Formats.SafeTensors.Serialize([
            SafeTensorEntry.FromFloat32("conv.weight", [2, 3], [1, 2, 3, 4, 5, 6]),
            SafeTensorEntry.FromInt64("bn.num_batches_tracked", [], [3]),
            SafeTensorEntry.FromFloat16("h", [2], [(Half)1, (Half)2]),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        var random = new Random(1234);
        for (int trial = 0; trial < 3000; trial++)
        {
            var bytes = (byte[])valid.Clone();
            int edits = random.Next(1, 4);
            for (int e = 0; e < edits; e++)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            if (trial % 5 == 0)
                bytes = bytes[..random.Next(bytes.Length)];
            try
            {
                Formats.SafeTensors.Read(bytes);
            }
            catch (SafeTensorsFormatException)
            {
            }
        }
    }

    [Fact]
    public void AnOverlongTensorNameIsCutInTheMessage()
    {
        string name = new('w', 5_000_000);
        var ex = ReadBroken($"{{\"{name}\":{{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}}}", new byte[4]);
        Assert.Equal(SafeTensorsError.TensorInvalidInfo, ex.Error);
        Assert.Contains("(5,000,000 characters)", ex.Message);
        Assert.True(ex.Message.Length < 1_000, $"the message is {ex.Message.Length:N0} characters long");
    }
}
