using System.Text;
using AutoLoRa.Formats;

namespace AutoLoRa.Formats.Tests.SafeTensors;

/// <summary>
/// The writer against byte layouts assembled by hand from the format description (and the
/// reference implementation's own byte-exact expectations), so "round-trips with itself" cannot
/// hide a writer and reader that agree on something wrong.
/// </summary>
public sealed class ByteLayoutTests
{
    private static readonly float[] ZeroToFive = [0f, 1f, 2f, 3f, 4f, 5f];

    [Fact]
    public void SingleTensorIsPaddedWithSpacesToAMultipleOf8()
    {
        // 65 bytes of JSON + 7 spaces = 72 = 0x48; data starts at file offset 80, 8-aligned.
        const string json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}";
        Assert.Equal(65, json.Length);
        var expected = Assemble.File(json + new string(' ', 7), Assemble.Floats(ZeroToFive));
        Assert.Equal(0x48, expected[0]);

        var written = Formats.SafeTensors.Serialize([SafeTensorEntry.FromFloat32("attn0", [1, 1, 2, 3], ZeroToFive)]);

        Assert.Equal(expected, written);
    }

    [Fact]
    public void HeaderAlreadyAMultipleOf8GetsNoPadding()
    {
        const string json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        Assert.Equal(64, json.Length);
        var expected = Assemble.File(json, Assemble.Floats(ZeroToFive));

        var written = Formats.SafeTensors.Serialize([SafeTensorEntry.FromFloat32("attn.0", [1, 2, 3], ZeroToFive)]);

        Assert.Equal(expected, written);
    }

    [Fact]
    public void EmptyFileAndMetadataOnlyFileMatchTheReference()
    {
        Assert.Equal(Assemble.File("{}      ", []), Formats.SafeTensors.Serialize([]));
        Assert.Equal(
            Assemble.File("{\"__metadata__\":{\"framework\":\"pt\"}}     ", []),
            Formats.SafeTensors.Serialize([], new Dictionary<string, string> { ["framework"] = "pt" }));
        Assert.Empty(Formats.SafeTensors.Read(Formats.SafeTensors.Serialize([])).Entries);
    }

    [Fact]
    public void TensorsAreOrderedByAlignmentThenNameWithMetadataFirst()
    {
        // Given in an order that is neither alignment nor name order.
        var entries = new[]
        {
            new SafeTensorEntry("mask", SafeTensorDType.BOOL, [3], new byte[] { 1, 0, 1 }),
            SafeTensorEntry.FromFloat32("b.weight", [1], [2f]),
            SafeTensorEntry.FromFloat32("a.weight", [1], [1f]),
            SafeTensorEntry.FromInt64("bn.num_batches_tracked", [], [7]),
            SafeTensorEntry.FromFloat16("h", [1], [(Half)1]),
        };
        const string json =
            "{\"__metadata__\":{\"a\":\"1\",\"format\":\"pt\"}," +
            "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}," +
            "\"b.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}," +
            "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[16,18]}," +
            "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[18,21]}}";
        var padded = json + new string(' ', (8 - json.Length % 8) % 8);
        var data = new byte[21];
        data[0] = 7;
        Assemble.Floats(1f, 2f).CopyTo(data, 8);
        data[16] = 0x00; data[17] = 0x3C; // half 1.0
        data[18] = 1; data[20] = 1;

        var written = Formats.SafeTensors.Serialize(entries,
            new Dictionary<string, string> { ["format"] = "pt", ["a"] = "1" });

        Assert.Equal(Encoding.UTF8.GetString(Assemble.File(padded, data)), Encoding.UTF8.GetString(written));
        Assert.Equal(Assemble.File(padded, data), written);
        // The reader hands entries back in data-buffer order.
        Assert.Equal(["bn.num_batches_tracked", "a.weight", "b.weight", "h", "mask"],
            Formats.SafeTensors.Read(written).Entries.Select(e => e.Name));
    }

    [Fact]
    public void NamesAreEscapedLikeSerdeJson()
    {
        var written = Formats.SafeTensors.Serialize([SafeTensorEntry.FromFloat32("q\"b\\s/\u0001é", [], [0f])]);
        string header = Encoding.UTF8.GetString(written, 8, written.Length - 12);
        Assert.StartsWith("{\"q\\\"b\\\\s/\\u0001é\":", header);
        Assert.Equal("q\"b\\s/\u0001é", Formats.SafeTensors.Read(written).Entries[0].Name);
    }

    [Fact]
    public void ReaderAcceptsLeadingAndTrailingWhitespaceAndUnknownFields()
    {
        var file = Assemble.File(
            "  \n{\"w\":{\"shape\":[2],\"extra\":{\"x\":[1,2]},\"data_offsets\":[0,8],\"dtype\":\"F32\"}}   ",
            Assemble.Floats(1f, 2f));

        var read = Formats.SafeTensors.Read(file);

        Assert.Equal([1f, 2f], read["w"].AsFloat32());
    }

    [Fact]
    public void ReaderAcceptsKeysOutOfOffsetOrderWhenTheyTileTheBuffer()
    {
        var file = Assemble.File(
            "{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}," +
            "\"first\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            Assemble.Floats(1f, 2f));

        var read = Formats.SafeTensors.Read(file);

        Assert.Equal(["first", "second"], read.Entries.Select(e => e.Name));
        Assert.Equal([2f], read["second"].AsFloat32());
    }

    [Fact]
    public void ReaderHandlesUnalignedTensors()
    {
        // A 3-byte header (no padding, as pre-2023 writers could produce) puts the F32 data at
        // file offset 11: values must still come out right.
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var file = Assemble.File(header, Assemble.Floats(1.5f, -2f));
        Assert.NotEqual(0, (8 + header.Length) % 4);

        Assert.Equal([1.5f, -2f], Formats.SafeTensors.Read(file)["w"].AsFloat32());
    }
}
