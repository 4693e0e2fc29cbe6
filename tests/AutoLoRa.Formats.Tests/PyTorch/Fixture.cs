using System.Text.Json;
using AutoLoRa.Formats;
using AutoLoRa.Formats.PyTorch;

namespace AutoLoRa.Formats.Tests.PyTorch;

/// <summary>Fixture files written by make_fixtures.py and the values PyTorch itself reported for them.</summary>
internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "PyTorch", "Fixtures", name + ".pt");

    public sealed record Expected(string Name, string DType, long[] Shape, string Hex);

    public static List<Expected> ExpectedTensors(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "PyTorch", "Fixtures", name + ".expected.json")));
        return doc.RootElement.EnumerateObject().Select(p => new Expected(
            p.Name,
            p.Value.GetProperty("dtype").GetString()!,
            p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
            p.Value.GetProperty("hex").GetString()!)).ToList();
    }

    /// <summary>Every tensor of the file equals PyTorch's contiguous bytes, names in file order.</summary>
    public static void AssertMatchesPyTorch(string name)
    {
        using var checkpoint = TorchCheckpoint.Load(Path(name));
        var actual = checkpoint.Tensors();
        var expected = ExpectedTensors(name);
        Assert.Equal(expected.Select(e => e.Name), actual.Select(a => a.Key));
        foreach (var (e, (key, tensor)) in expected.Zip(actual))
        {
            var entry = tensor.ToEntry(key, checkpoint.Source);
            Assert.Equal(e.DType, entry.DType.ToString());
            Assert.Equal(e.Shape, entry.Shape);
            Assert.True(e.Hex == Convert.ToHexStringLower(entry.Data.Span), $"{name}: bytes of '{key}' differ from PyTorch's");
        }
    }
}
