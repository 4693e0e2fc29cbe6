using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Tests;

/// <summary>A checkpoint that does not fit: the library's error names the <see cref="ImportSettings"/> to check, by property, and no command-line flag.</summary>
public sealed class ModelLoaderErrorTests : IDisposable
{
    private static readonly string Checkpoint = Path.Combine(AppContext.BaseDirectory, "Fixtures", "rmt_style_zip.pt");
    private readonly CpuBackend _cpu = new();

    public void Dispose() => _cpu.Dispose();

    [Fact]
    public void The_wrong_architecture_names_the_setting_that_chose_it()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Architecture = "resnet18" }));
        Assert.Equal([ImportSettings.Keys.Architecture], e.Hint!.Settings);
        Assert.EndsWith("(the weights look like resnet-mini: check Architecture)", e.Message);
        Assert.EndsWith("(the weights look like resnet-mini: check --arch)", e.Describe(key => key == "Architecture" ? "--arch" : key));
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void Weights_of_other_shapes_name_every_setting_that_shapes_the_model()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Width = 2 }));
        Assert.Equal([ImportSettings.Keys.Architecture, ImportSettings.Keys.Width, ImportSettings.Keys.Stem, ImportSettings.Keys.Classes], e.Hint!.Settings);
        Assert.IsType<InvalidDataException>(e.InnerException);
        Assert.DoesNotContain("--", e.Message);
    }

    [Theory]
    [InlineData("tiny", null, "Stem 'tiny' is unknown; choose imagenet or cifar.")]
    [InlineData(null, "imagenet3", "Normalization 'imagenet3' is unknown; choose imagenet, cifar or none.")]
    public void An_unknown_name_is_a_setting_error(string? stem, string? norm, string expected)
    {
        var e = Assert.Throws<SettingException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Stem = stem, Normalization = norm }));
        Assert.Equal(expected, e.Message);
    }
}
