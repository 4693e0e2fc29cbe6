using AutoLoRa.Core;
using AutoLoRa.Core.Autograd;
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Recipes;
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

    [Fact]
    public void A_nearest_resize_round_trips_and_a_bilinear_file_is_written_as_before()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, InputSize: 12), seed: 5);
        Assert.DoesNotContain("InputResize", ModelFile.SpecJson(model.Spec));
        model.ResizeInputsTo(12, ResizeMode.Nearest);
        string path = Path.Combine(_dir, "nearest.safetensors");
        ModelFile.Save(path, model);
        using var loaded = ModelFile.Load(path, _cpu);
        Assert.Equal((12, ResizeMode.Nearest), (loaded.Spec.InputSize, loaded.Spec.InputResize));
    }

    [Fact]
    public void Training_applies_input_size_and_resize_mode_to_the_model()
    {
        using var model = ModelFactory.Create(_cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4), seed: 5);
        var settings = new RecipeSettings { Method = RecipeCatalogue.Get("natural"), RunDirectory = _dir, InputSize = 12, InputResize = ResizeMode.Nearest };
        CommonSettings.ResizeInputs(model, settings);
        Assert.Equal((12, ResizeMode.Nearest), (model.Spec.InputSize, model.Spec.InputResize));
        // Without input-size the model keeps its size; resize-mode alone changes only the mode.
        CommonSettings.ResizeInputs(model, settings with { InputSize = null, InputResize = ResizeMode.Bilinear });
        Assert.Equal((12, ResizeMode.Bilinear), (model.Spec.InputSize, model.Spec.InputResize));
        CommonSettings.ResizeInputs(model, settings with { InputSize = null, InputResize = null });
        Assert.Equal((12, ResizeMode.Bilinear), (model.Spec.InputSize, model.Spec.InputResize));
    }
}
