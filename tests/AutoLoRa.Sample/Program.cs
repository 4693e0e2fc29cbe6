// Robust fine-tuning with AutoLoRa through the library: a pre-trained model from a file, Fashion-MNIST,
// the AutoLoRa trainer, then clean and PGD-20 accuracy of the best checkpoint on test images.
// Usage: AutoLoRa.Sample [--backend cpu|cuda|cuda-emu] [--model FILE] [--data DIR] [--images N] [--out DIR]
using AutoLoRa.Core.Backends;
using AutoLoRa.Cpu;
using AutoLoRa.Cuda;
using AutoLoRa.Cuda.Runtime;
using AutoLoRa.Data;
using AutoLoRa.ModelFiles;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Recipes;

string backendName = Option("--backend", "cpu");
string modelPath = Option("--model", "");
string data = "fashion-mnist:" + Option("--data", DataSource.DefaultFashionMnistDirectory);
int images = int.Parse(Option("--images", "256"));
string runs = Option("--out", Path.Combine("runs", "sample"));

using Backend backend = backendName switch
{
    "cpu" => new CpuBackend(),
    "cuda" => new CudaBackend(new NativeRuntime()),          // device 0: this machine's driver, cuBLAS and cuDNN, our PTX
    "cuda-emu" => new CudaBackend(new EmulatedRuntime()),    // the same code path with the kernels run on the CPU: no GPU needed
    _ => throw new ArgumentException($"--backend {backendName} is not known: use cpu, cuda or cuda-emu."),
};
Console.WriteLine($"backend: {backendName}");

// L∞ radius 0.1 suits Fashion-MNIST; training attacks are PGD-10 with step ε/4.
const float Epsilon = 0.1f;
var attack = new PgdConfig(Epsilon, StepSize: Epsilon / 4, Steps: 10);

// 1. The pre-trained model. Without --model, a small ResNet is adversarially pre-trained (PGD-AT) on
//    classes 0-4 and saved first; any model file autolora wrote, or a PyTorch checkpoint, loads the same way.
if (modelPath == "")
{
    var (source, _) = DataSelection.Train(data, "0-4", images, seed: 1);
    using var scratch = ModelFactory.Create(backend, new ModelSpec("resnet-mini", source.ClassCount, source.Channels, BaseWidth: 8), seed: 1);
    var pretraining = Recipe.Train(backend, scratch, source, Settings("pgd-at", "pretrain"));
    modelPath = pretraining.FinalModelPath;
    Console.WriteLine($"pre-trained with PGD-AT on {source.Count} images of classes 0-4: {modelPath}");
}

// 2. AutoLoRa: the model gets a new head for classes 5-9 and a LoRA branch on its convolutions; λ1, λ2
//    and the learning rate are set automatically. The run directory gets the log, checkpoints and models.
var (target, _) = DataSelection.Train(data, "5-9", images, seed: 1);
using (var model = FineTuning.Load(backend, modelPath, target.ClassCount, target.Channels))
{
    var run = Recipe.Train(backend, model, target, Settings("autolora", "autolora"));
    var last = run.History[^1];
    Console.WriteLine($"fine-tuned with AutoLoRa on {target.Count} images of classes 5-9: {run.History.Count} epoch(s), " +
                      $"validation clean {100 * last.ValidationCleanAccuracy:F1}%, PGD {100 * last.ValidationRobustAccuracy:F1}%");
    modelPath = run.BestModelPath;
}

// 3. Evaluation of the best checkpoint (the main branch, W alone, as it is deployed) on test images.
var test = DataSelection.Test(data, "5-9", limit: images / 2);
using var best = ModelFile.Load(modelPath, backend);
var scores = new RobustnessSettings { Epsilon = Epsilon, PgdSteps = 20, PgdStepSize = Epsilon / 10, AutoAttackImages = 0 };
var result = RobustnessEvaluation.Run(backend, best, test, scores, seed: 1, autoAttackState: null);
Console.WriteLine($"test ({result.TestImages} images of classes 5-9): clean {100 * result.Clean:F1}%, PGD-20 {100 * result.Pgd:F1}%");

// One epoch of batches of 64, started afresh on every run; the method's own defaults for the rest.
RecipeSettings Settings(string method, string directory) => new()
{
    Method = RecipeCatalogue.Get(method),
    Epochs = 1,
    BatchSize = 64,
    Seed = 1,
    Attack = attack,
    RunDirectory = Path.Combine(runs, directory),
    Resume = false,
};

string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
