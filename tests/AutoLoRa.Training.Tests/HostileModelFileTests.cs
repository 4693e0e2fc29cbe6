using System.Text.Json.Nodes;
using AutoLoRa.Cpu;
using AutoLoRa.Formats;
using AutoLoRa.ModelFiles;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Training.Tests;

/// <summary>
/// Model files edited by hand or damaged on disk: every field of the model description is set to
/// hostile values, and each file either loads or fails with a <see cref="CheckpointException"/>
/// naming it, without first allocating what it claims; a flipped bit in the tensors is caught by
/// the checksum.
/// </summary>
public sealed class HostileModelFileTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "autolora-hostile-" + Guid.NewGuid().ToString("N"));

    public HostileModelFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        _cpu.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly string[] Fields = ["Architecture", "Classes", "InChannels", "BaseWidth", "Stem", "Mean", "Std", "LoraRank", "InputSize", "TwinNorms"];

    private static readonly string[] Values =
    [
        "null", "-1", "0", "1", "2147483647", "-2147483648", "1000000", "1e308", "2.5", "true", "\"\"", "\"resnet18 \"", "\"x\"",
        "[]", "[-1.0]", "[0.0]", "[1e38]", "[1,2,3,4]", "{}", "\"" + new string('a', 5_000_000) + "\"",
    ];

    /// <summary>Every field with every hostile value: 10 × 20 = 200 files.</summary>
    public static TheoryData<string, int> Edits()
    {
        var data = new TheoryData<string, int>();
        foreach (var field in Fields)
        {
            for (int v = 0; v < Values.Length; v++) data.Add(field, v);
        }
        return data;
    }

    private string Write(string name, Func<JsonObject, JsonObject> edit)
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, InChannels: 3, BaseWidth: 4), seed: 1);
        string path = Path.Combine(_dir, name);
        ModelFile.Save(path, model);
        var file = SafeTensors.Read(path);
        var metadata = new Dictionary<string, string>(file.Metadata)
        {
            [ModelFile.SpecKey] = edit(JsonNode.Parse(file.Metadata[ModelFile.SpecKey])!.AsObject()).ToJsonString(),
        };
        SafeTensors.Write(path, file.Entries, metadata);
        return path;
    }

    [Theory]
    [MemberData(nameof(Edits))]
    public void An_edited_description_loads_or_is_refused_naming_the_file_before_allocating_its_claims(string field, int value)
    {
        string path = Write($"{field}-{value}.safetensors", spec =>
        {
            spec[field] = JsonNode.Parse(Values[value]);
            return spec;
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            ModelFile.Load(path, _cpu).Dispose();
        }
        catch (CheckpointException e)
        {
            Assert.StartsWith(path, e.Message);
            Assert.True(e.Message.Length < 2_000, $"a {e.Message.Length:N0}-character message");
        }
        // The intact model is about 100 KB; a description claiming more is refused before it is built.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64_000_000, "loading allocated for what the description claims");
    }

    [Theory]
    [InlineData("Architecture", "null", "architecture is missing")]
    [InlineData("Classes", "-1", "classes must be between 1 and 100,000 (got -1)")]
    [InlineData("Classes", "2147483647", "classes must be between")]
    [InlineData("Classes", "1000000", "classes must be between")]
    [InlineData("Classes", "5", "says classes 5, but tensor 'fc.weight' has shape [3, 32]")]
    [InlineData("LoraRank", "2147483647", "rank must be between 0 and 2,048")]
    [InlineData("LoraRank", "-1", "rank must be between 0")]
    [InlineData("Std", "[-1.0, 1.0, 1.0]", "std[0] must be finite and positive (got -1)")]
    [InlineData("Std", "[1.0]", "std must have one value per input channel (3)")]
    [InlineData("BaseWidth", "8", "says width 8, but tensor 'conv1.weight'")]
    [InlineData("Stem", "\" cifar\"", "unknown stem ' cifar'")]
    public void A_field_out_of_range_is_named(string field, string value, string expected)
    {
        string path = Write("edited.safetensors", spec =>
        {
            spec[field] = JsonNode.Parse(value);
            return spec;
        });
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path, _cpu));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_flipped_bit_in_the_tensors_is_caught_and_a_file_without_a_checksum_still_loads()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4), seed: 1);
        string path = Path.Combine(_dir, "m.safetensors");
        ModelFile.Save(path, model);
        Assert.Contains(TensorChecksum.MetadataKey, SafeTensors.Read(path).Metadata.Keys);
        ModelFile.Load(path, _cpu).Dispose();

        var bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0x10; // inside the last tensor's data
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path, _cpu));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum", e.Message);

        // Older files and other writers' have no checksum: they load as they always did.
        var file = SafeTensors.Read(path);
        SafeTensors.Write(path, file.Entries, file.Metadata.Where(m => m.Key != TensorChecksum.MetadataKey).ToDictionary());
        ModelFile.Load(path, _cpu).Dispose();
    }
}
