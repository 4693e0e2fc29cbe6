using System.Text.Json;
using AutoLoRa.Cpu;
using AutoLoRa.Formats.PyTorch;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;

namespace AutoLoRa.Formats.Tests.PyTorch;

/// <summary>Key profiles map each layout onto the names our models (and torchvision) use.</summary>
public sealed class KeyMappingTests
{
    // resnet-mini with base width 1 and 3 classes is the layout make_fixtures.py's TinyResNet has.
    private static Classifier Mini() => ModelFactory.Create(new CpuBackend(), new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 1), seed: 7);

    private static Dictionary<string, string> ExpectedHex(string fixture, string prefix) =>
        Fixture.ExpectedTensors(fixture).Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Name[prefix.Length..], e => e.Hex);

    [Theory]
    [InlineData("resnet_tiny_zip", "torchvision", "")]
    [InlineData("resnet_tiny_legacy", "torchvision", "")]
    [InlineData("rmt_style_zip", "robust-models-transfer", "model.module.model.")]
    [InlineData("rmt_style_legacy", "robust-models-transfer", "model.module.model.")]
    public void Detected_profile_maps_exactly_onto_the_model(string fixture, string profile, string sourcePrefix)
    {
        using var model = Mini();
        var expectedKeys = StateDicts.ExpectedKeys(model);
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path(fixture));
        Assert.Equal(profile, KeyProfiles.Detect(checkpoint).Name);
        var imported = PyTorchImport.ReadStateDict(checkpoint, expectedKeys: expectedKeys);
        Assert.True(imported.Report.IsExact, imported.Report.ToString());
        Assert.Equal(expectedKeys.Order(), imported.Entries.Select(e => e.Name).Order());
        var hex = ExpectedHex(fixture, sourcePrefix);
        foreach (var entry in imported.Entries)
            Assert.Equal(hex[entry.Name], Convert.ToHexStringLower(entry.Data.Span));
        Assert.Equal(SafeTensorDType.I64, imported.ByName["layer2.0.downsample.1.num_batches_tracked"].DType);
    }

    [Fact]
    public void Robust_models_transfer_ignores_attacker_and_normalizers_with_reasons()
    {
        var imported = PyTorchImport.ReadStateDict(Fixture.Path("rmt_style_zip"), new RobustModelsTransferProfile(), StateDicts.ExpectedKeys(Mini()));
        var ignored = imported.Report.Ignored.Select(p => p.Key).ToList();
        Assert.Contains("module.normalizer.new_mean", ignored);
        Assert.Contains("module.attacker.normalize.new_std", ignored);
        Assert.Contains("module.attacker.model.layer4.0.conv2.weight", ignored);
        Assert.All(imported.Report.Ignored, p => Assert.False(string.IsNullOrEmpty(p.Value)));
        // 122-entry rule of thumb from the spec, scaled: model keys + attacker copy + 4 normaliser buffers.
        Assert.Equal(imported.Report.Mapped.Count * 2 + 4, imported.Report.Mapped.Count + imported.Report.Ignored.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void Robustssl_keeps_the_chosen_bn_route_and_renames_the_shortcut(int route)
    {
        using var model = Mini();
        var imported = PyTorchImport.ReadStateDict(Fixture.Path("robustssl_style_zip"), new RobustSslProfile(route), StateDicts.ExpectedKeys(model));
        Assert.True(imported.Report.Missing.Count == 0 && imported.Report.Unexpected.Count == 0, imported.Report.ToString());
        Assert.Equal(["fc.weight", "fc.bias"], imported.Report.AllowedMissing);
        var hex = ExpectedHex("robustssl_style_zip", "state_dict.");
        Assert.Equal(hex[$"layer2.0.downsample.bn.bn_list.{route}.running_var"], Convert.ToHexStringLower(imported.ByName["layer2.0.downsample.1.running_var"].Data.Span));
        Assert.Equal(hex["layer2.0.downsample.conv.weight"], Convert.ToHexStringLower(imported.ByName["layer2.0.downsample.0.weight"].Data.Span));
        Assert.Equal(hex[$"bn1.bn_list.{route}.weight"], Convert.ToHexStringLower(imported.ByName["bn1.weight"].Data.Span));
        Assert.Contains(imported.Report.Ignored, p => p.Key == $"bn1.bn_list.{1 - route}.weight");
        Assert.Contains(imported.Report.Ignored, p => p.Key == "fc.2.weight");
    }

    [Fact]
    public void Auto_detects_robustssl_from_dual_bn_names()
    {
        using var checkpoint = TorchCheckpoint.Load(Fixture.Path("robustssl_style_zip"));
        Assert.Equal("robustssl", KeyProfiles.Detect(checkpoint).Name);
    }

    [Fact]
    public void Strict_mismatch_lists_missing_and_unexpected_keys()
    {
        // A ResNet-18 expects far more than the tiny checkpoint has, and the shapes never get looked at.
        using var model = ModelFactory.Create(new CpuBackend(), new ModelSpec("resnet18", Classes: 3), seed: 1);
        var expected = StateDicts.ExpectedKeys(model).Where(k => !k.StartsWith("layer1.", StringComparison.Ordinal)).ToList();
        var e = Assert.Throws<StateDictKeyException>(() => PyTorchImport.ReadStateDict(Fixture.Path("resnet_tiny_zip"), new TorchvisionProfile(), expected));
        Assert.Contains("layer1.0.conv1.weight", e.Report.Unexpected);
        Assert.Contains("layer3.1.conv1.weight", e.Report.Missing);
        Assert.Contains("unexpected", e.Message);
        Assert.Contains("missing", e.Message);
        // Not strict: the report is returned and the known keys are imported.
        var loose = PyTorchImport.ReadStateDict(Fixture.Path("resnet_tiny_zip"), new TorchvisionProfile(), expected, strict: false);
        Assert.False(loose.Report.IsExact);
        Assert.DoesNotContain(loose.Entries, x => x.Name.StartsWith("layer1.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("resnet18", 122)]
    [InlineData("resnet50", 320)]
    public void Our_resnets_have_torchvisions_keys_shapes_and_dtypes_and_every_profile_maps_them(string arch, int count)
    {
        using var model = ModelFactory.Create(new CpuBackend(), new ModelSpec(arch, Classes: 1000, Stem: StemKind.ImageNet), seed: 3);
        var exported = StateDicts.Export(model);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PyTorch", "Fixtures", "torchvision_resnet_keys.json")));
        var torchvision = doc.RootElement.GetProperty(arch).EnumerateArray()
            .Select(e => (Name: e[0].GetString()!, Shape: e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray(), DType: e[2].GetString()!)).ToList();
        Assert.Equal(count, torchvision.Count);
        // Same names in the same order as torchvision's state_dict(), same shapes and dtypes.
        Assert.Equal(torchvision.Select(t => t.Name), exported.Select(e => e.Name));
        foreach (var (t, e) in torchvision.Zip(exported))
        {
            Assert.Equal(t.Shape, e.Shape);
            Assert.Equal(t.DType, e.DType.ToString());
        }
        var dual = new RobustSslProfile();
        foreach (var (name, _, _) in torchvision)
        {
            Assert.Equal(name, new TorchvisionProfile().Map(name).Target);
            Assert.Equal(name, new TorchvisionProfile().Map("module." + name).Target);
            Assert.Equal(name, new RobustModelsTransferProfile().Map("module.model." + name).Target);
            if (!name.StartsWith("fc.", StringComparison.Ordinal))
                Assert.Equal(name, dual.Map("backbone." + DualBnName(name)).Target);
        }
    }

    // How a RobustSSL dual-BN ResNet names the tensor torchvision calls `name`.
    private static string DualBnName(string name)
    {
        name = name.Replace(".downsample.0.", ".downsample.conv.").Replace(".downsample.1.", ".downsample.bn.");
        int last = name.LastIndexOf('.');
        string module = name[..last];
        bool isBn = module.EndsWith("bn1") || module.EndsWith("bn2") || module.EndsWith("bn3") || module.EndsWith("downsample.bn");
        return isBn ? $"{module}.bn_list.1{name[last..]}" : name;
    }
}
