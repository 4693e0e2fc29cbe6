using System.CommandLine;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Data;
using AutoLoRa.Distributed;
using AutoLoRa.Distributed.Cuda;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora pretrain</c> (PGD-AT from scratch) and <c>autolora finetune</c> (AutoLoRa, vanilla RFT, TWINS, natural).</summary>
internal static class TrainCommands
{
    public static Command CreatePretrain()
    {
        var pgdAt = RecipeCatalogue.Get("pgd-at");
        var set = new TrainingOptionSet([pgdAt]);
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)}.", DefaultValueFactory = _ => "resnet18" };
        var width = new Option<int>("--width") { Description = "Base width of a ResNet (64 for the standard ResNet-18; a ViT's width comes with its size).", DefaultValueFactory = _ => 64 };
        var command = new Command("pretrain", "Adversarially trains a backbone from scratch with PGD-AT (Madry et al.).") { arch, width };
        set.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var settings = set.For(r, pgdAt, "pretrain");
            using var backend = set.Backend.Create(r, Console.Out);
            var (train, source) = set.TrainingData(r, settings.Seed);
            settings = set.WithAugmentation(r, settings, source);
            // A ViT's position embedding is laid out for the images it will see (28×28 Fashion-MNIST: a 7×7 grid of 4×4 patches).
            var spec = ModelSpec.ForImages(r.GetValue(arch)!, train.ClassCount, train.Channels, r.GetValue(width), train.Height);
            using var model = ModelFactory.Create(backend, spec, settings.Seed);
            return Train(backend, model, train, settings, "pretrain");
        }));
        return command;
    }

    public static Command CreateFinetune()
    {
        var set = new TrainingOptionSet(RecipeCatalogue.FineTuning);
        var method = new Option<string>("--method") { Description = $"{RecipeCatalogue.Choices}.", DefaultValueFactory = _ => RecipeCatalogue.FineTuning[0].Name };
        var init = new Option<string>("--init") { Description = "The pre-trained model to start from: a .safetensors written by autolora, or a PyTorch .pt/.pth/.ckpt (key layout and architecture detected).", Required = true };
        var trackGradSim = new Option<bool>("--track-grad-sim")
        {
            Description = $"Record the gradient similarity of the natural and adversarial objectives per convolution after every epoch (log.jsonl), on {TrackedBatches} training batches unless --grad-sim-batches says otherwise.",
        };
        var command = new Command("finetune", "Robustly fine-tunes a pre-trained model to new classes (AutoLoRa by default).") { method, init, trackGradSim };
        set.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var chosen = RecipeCatalogue.FineTuningMethod(r.GetValue(method)!, "--method");
            var settings = set.For(r, chosen, "finetune-" + chosen.Name);
            if (r.GetValue(trackGradSim) && !set.Settings.Given(r, ScalarSettings.GradSimBatches)) settings = settings.With(ScalarSettings.GradSimBatches, TrackedBatches);
            using var backend = set.Backend.Create(r, Console.Out);
            var (train, source) = set.TrainingData(r, settings.Seed);
            settings = set.WithAugmentation(r, settings, source);
            using var model = FineTuning.Load(backend, r.GetValue(init)!, train.ClassCount, train.Channels);
            return Train(backend, model, train, settings, "finetune " + chosen.Name);
        }));
        return command;
    }

    /// <summary>Batches --track-grad-sim measures on when --grad-sim-batches is not given.</summary>
    private const int TrackedBatches = 2;

    /// <summary>
    /// Trains, as one process or — started by mpirun with several ranks — as one replica of a
    /// data-parallel run, where rank 0 alone shows progress and writes the run directory.
    /// </summary>
    private static int Train(Core.Backends.Backend backend, Classifier model, AutoLoRa.Data.IImageSet train, RecipeSettings settings, string title)
    {
        // On the native CUDA backend, gradients are averaged on the device by NCCL.
        var replicas = NcclCommunicator.Over(Communicators.FromEnvironment(), backend, Communicators.ConfiguredTimeout());
        if (!replicas.IsRoot)
        {
            Recipe.Train(backend, model, train, settings, replicas: replicas);
            replicas.Finish();
            return 0;
        }
        string size = model.Spec.IsVit() ? $"{model.Spec.VitImageSize()}×{model.Spec.VitImageSize()} images" : $"width {model.Spec.BaseWidth}";
        Console.WriteLine($"{title}: {model.Spec.Architecture} ({size}, {model.Parameters().Sum(p => (long)p.ElementCount):N0} parameters) on {train}");
        if (replicas.IsDistributed) Console.WriteLine($"data-parallel: {replicas.Description}, each on 1/{replicas.Size} of every epoch, batch {settings.BatchSize} per rank");
        Console.WriteLine($"run directory: {settings.RunDirectory}");
        var run = TrainingView.Run(title, settings.Epochs, p => Recipe.Train(backend, model, train, settings, p, replicas: replicas));
        replicas.Finish();
        TrainingView.Summary(title, run.History);
        Console.WriteLine($"model: {run.FinalModelPath}; best validation model: {run.BestModelPath}");
        return 0;
    }
}
