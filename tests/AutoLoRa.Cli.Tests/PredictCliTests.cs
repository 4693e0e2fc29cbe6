using AutoLoRa.Core;
using AutoLoRa.Cpu;
using AutoLoRa.Formats;
using AutoLoRa.ModelFiles;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;
using static AutoLoRa.Cli.Tests.CliRunner;

namespace AutoLoRa.Cli.Tests;

/// <summary><c>predict --branch</c> does what its help says, on a model whose LoRA factors change its output.</summary>
public sealed class PredictCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("autolora-predict-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void MainIsTheWeightsAloneAndNaturalAddsTheLoraProduct()
    {
        using var cpu = new CpuBackend();
        using var scope = TensorScope.Begin();
        using var model = ModelFactory.Create(cpu, new ModelSpec("resnet-mini", Classes: 3, BaseWidth: 4, LoraRank: 2), seed: 3);
        var rng = new Random(9);
        foreach (var (_, conv) in model.Convolutions().Where(c => c.Conv.HasLora))
        {
            cpu.Upload(Init.Normal(rng, conv.LoraB!.ElementCount, 0f, 0.05f), conv.LoraB.Buffer);
        }
        string modelPath = Path.Combine(_root, "lora.safetensors"), input = Path.Combine(_root, "x.safetensors");
        ModelFile.Save(modelPath, model);
        var pixels = Init.Uniform(new Random(5), 2 * 3 * 8 * 8, 0.5f).Select(v => v + 0.5f).ToArray();
        SafeTensors.Write(input, [SafeTensorEntry.FromFloat32("x", [2, 3, 8, 8], pixels)]);

        model.Eval();
        var x = Tensor.FromArray(cpu, pixels, new Shape(2, 3, 8, 8));
        var weightsAlone = model.Forward(x, Branch.Main).ToArray();
        var withLora = model.Forward(x, Branch.Natural).ToArray();
        Assert.True(weightsAlone.Zip(withLora, (a, b) => Math.Abs(a - b)).Max() > 1e-3f, "the LoRA factors should change the logits");

        Assert.Equal(weightsAlone, Predict(modelPath, input, "main"), new ToleranceComparer(1e-5f));
        Assert.Equal(withLora, Predict(modelPath, input, "natural"), new ToleranceComparer(1e-5f));

        var help = Run(_root, "predict", "--help");
        AssertOk(help);
        string text = System.Text.RegularExpressions.Regex.Replace(help.Output, @"\s+", " "); // help wraps to the console's width
        Assert.Contains("main: the weights W alone", text);
        Assert.Contains("natural: W + s·BA", text);
    }

    private float[] Predict(string model, string input, string branch)
    {
        string output = Path.Combine(_root, branch + ".safetensors");
        AssertOk(Run(_root, "predict", model, "--input", input, "--out", output, "--branch", branch));
        return SafeTensors.Read(output).Entries.Single(e => e.Name == "logits").AsFloat32();
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
