using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Cpu;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Training.Tests;

/// <summary>The model description stored in model files: every field survives a save and load.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly CpuBackend _cpu = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "autolora-modelfile-" + Guid.NewGuid().ToString("N"));

    public ModelFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        _cpu.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Spec_with_an_input_size_round_trips_and_the_loaded_model_resizes()
    {
        var spec = new ModelSpec("resnet-mini", Classes: 4, InChannels: 3, BaseWidth: 4, Stem: StemKind.ImageNet,
            Mean: ModelSpec.ImageNetMean, Std: ModelSpec.ImageNetStd, LoraRank: 2, InputSize: 20);
        string path = Path.Combine(_dir, "m.safetensors");
        using var model = ModelFactory.Create(_cpu, spec, seed: 5);
        ModelFile.Save(path, model);

        using var loaded = ModelFile.Load(path, _cpu);
        Assert.Equal(spec.Architecture, loaded.Spec.Architecture);
        Assert.Equal((spec.Classes, spec.InChannels, spec.BaseWidth, spec.Stem, spec.LoraRank, spec.InputSize),
            (loaded.Spec.Classes, loaded.Spec.InChannels, loaded.Spec.BaseWidth, loaded.Spec.Stem, loaded.Spec.LoraRank, loaded.Spec.InputSize));
        Assert.Equal(spec.Mean, loaded.Spec.Mean);
        Assert.Equal(spec.Std, loaded.Spec.Std);

        model.Eval();
        loaded.Eval();
        using var scope = TensorScope.Begin();
        var x = Tensor.Full(_cpu, new Shape(1, 3, 5, 5), 0.3f);
        using (GradMode.NoGrad()) Assert.Equal(model.Forward(x).ToArray(), loaded.Forward(x).ToArray());
    }

    [Fact]
    public void A_file_written_before_input_sizes_existed_loads_without_a_resize()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4), seed: 5);
        string json = ModelFile.SpecJson(model.Spec);
        Assert.Contains("\"InputSize\":0", json);
        string old = json.Replace(",\"InputSize\":0", "", StringComparison.Ordinal);
        string path = Path.Combine(_dir, "old.safetensors");
        SafeTensors.Write(path, ModelStateCodec.ToEntries(model), new Dictionary<string, string> { [ModelFile.SpecKey] = old });
        using var loaded = ModelFile.Load(path, _cpu);
        Assert.Equal(0, loaded.Spec.InputSize);
    }
}
