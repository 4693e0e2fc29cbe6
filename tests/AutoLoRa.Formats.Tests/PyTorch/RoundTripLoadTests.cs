using AutoLoRa.Cpu;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Layers;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Formats.Tests.PyTorch;

/// <summary>PyTorch checkpoint → model → safetensors → model is exact, and bad fits fail before anything changes.</summary>
public sealed class RoundTripLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("autolora-torchimport-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Classifier Mini(int width = 1) =>
        ModelFactory.Create(new CpuBackend(), new ModelSpec("resnet-mini", Classes: 3, BaseWidth: width), seed: 11);

    private static void AssertSameEntries(IEnumerable<SafeTensorEntry> expected, IEnumerable<SafeTensorEntry> actual)
    {
        var want = expected.ToDictionary(e => e.Name);
        var got = actual.ToDictionary(e => e.Name);
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (name, e) in want)
        {
            Assert.Equal(e.DType, got[name].DType);
            Assert.Equal(e.Shape, got[name].Shape);
            Assert.True(e.Data.Span.SequenceEqual(got[name].Data.Span), $"'{name}' differs");
        }
    }

    [Theory]
    [InlineData("resnet_tiny_zip")]
    [InlineData("rmt_style_legacy")]
    public void Import_load_export_convert_reimport_is_exact(string fixture)
    {
        using var model = Mini();
        var keys = StateDicts.ExpectedKeys(model);
        var imported = PyTorchImport.ReadStateDict(Fixture.Path(fixture), expectedKeys: keys);
        StateDicts.Load(model, imported.ByName);
        var bn = (BatchNorm2d)model.NamedModules().Single(m => m.Name == "layer3.0.bn2").Module;
        Assert.Equal(391, bn.NumBatchesTracked);
        AssertSameEntries(imported.Entries, StateDicts.Export(model));

        string converted = Path.Combine(_dir, "converted.safetensors");
        var report = PyTorchImport.Convert(Fixture.Path(fixture), converted, expectedKeys: keys);
        Assert.True(report.IsExact);
        var file = AutoLoRa.Formats.SafeTensors.Read(converted);
        Assert.Equal("pt", file.Metadata["format"]);
        AssertSameEntries(imported.Entries, file.Entries);

        using var again = Mini();
        StateDicts.Load(again, file.Entries.ToDictionary(e => e.Name));
        AssertSameEntries(imported.Entries, StateDicts.Export(again));
    }

    [Fact]
    public void Robustssl_loads_with_the_classifier_left_for_the_caller()
    {
        using var model = Mini();
        var headBefore = model.Head.Weight.ToArray();
        var profile = new RobustSslProfile();
        var imported = PyTorchImport.ReadStateDict(Fixture.Path("robustssl_style_zip"), profile, StateDicts.ExpectedKeys(model));
        Assert.Throws<StateDictKeyException>(() => StateDicts.Load(model, imported.ByName));
        var report = StateDicts.Load(model, imported.ByName, mayBeMissing: profile.MayBeMissing);
        Assert.Equal(["fc.weight", "fc.bias"], report.AllowedMissing);
        Assert.Equal(headBefore, model.Head.Weight.ToArray());
    }

    [Fact]
    public void Shape_mismatch_counts_the_keys_shows_the_first_with_both_shapes_and_changes_nothing()
    {
        using var model = Mini(width: 2);
        var before = StateDicts.Export(model);
        var imported = PyTorchImport.ReadStateDict(Fixture.Path("resnet_tiny_zip"), expectedKeys: StateDicts.ExpectedKeys(model));
        var e = Assert.Throws<InvalidDataException>(() => StateDicts.Load(model, imported.ByName));
        Assert.Contains("'conv1.weight': checkpoint has shape [1, 3, 3, 3], model expects [2, 3, 3, 3]", e.Message);
        // Every tensor differs at another width; eight lines say so, the rest are counted.
        Assert.Equal(1 + 8 + 1, e.Message.Split('\n').Length);
        Assert.Matches(@"\(\d+ tensors\)", e.Message);
        Assert.Matches(@"… and \d+ more$", e.Message);
        AssertSameEntries(before, StateDicts.Export(model));
    }

    [Fact]
    public void Unexpected_and_missing_names_fail_when_strict()
    {
        using var model = Mini();
        var dict = StateDicts.Export(model).ToDictionary(x => x.Name);
        dict.Remove("bn1.running_var");
        dict["extra.weight"] = SafeTensorEntry.FromFloat32("extra.weight", [1], [1f]);
        var e = Assert.Throws<StateDictKeyException>(() => StateDicts.Load(model, dict));
        Assert.Equal(["bn1.running_var"], e.Report.Missing);
        Assert.Equal(["extra.weight"], e.Report.Unexpected);
        var loose = StateDicts.Load(model, dict, strict: false);
        Assert.False(loose.IsExact);
    }
}
