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
    public void A_width_the_weights_contradict_is_named_before_a_model_is_built()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Width = 2 }));
        Assert.Equal([ImportSettings.Keys.Width], e.Hint!.Settings);
        Assert.Contains("conv1.weight", e.Message);
        Assert.DoesNotContain("--", e.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_000)]
    [InlineData(int.MaxValue)]
    public void Classes_the_classifier_contradicts_are_refused_before_a_model_is_built(int classes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Classes = classes }));
        Assert.Equal([ImportSettings.Keys.Classes], e.Hint!.Settings);
        Assert.Contains("fc.weight", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64_000_000, "the import allocated a head of the classes asked for");
    }

    [Theory]
    [InlineData("tiny", null, "Stem 'tiny' is unknown; choose imagenet or cifar.")]
    [InlineData(null, "imagenet3", "Normalization 'imagenet3' is unknown; choose imagenet, inception, cifar or none.")]
    public void An_unknown_name_is_a_setting_error(string? stem, string? norm, string expected)
    {
        var e = Assert.Throws<SettingException>(() => ModelLoader.Import(Checkpoint, _cpu, new ImportSettings { Stem = stem, Normalization = norm }));
        Assert.Equal(expected, e.Message);
    }
}
