using System.CommandLine;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora pretrain</c> (PGD-AT from scratch) and <c>autolora finetune</c> (AutoLoRa, vanilla RFT, TWINS, natural).</summary>
internal static class TrainCommands
{
    public static Command CreatePretrain()
    {
        var set = new TrainingOptionSet();
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", ModelFactory.Architectures)}.", DefaultValueFactory = _ => "resnet18" };
        var width = new Option<int>("--width") { Description = "Base width of a ResNet (64 for the standard ResNet-18).", DefaultValueFactory = _ => 64 };
        var command = new Command("pretrain", "Adversarially trains a backbone from scratch with PGD-AT (Madry et al.).") { arch, width };
        set.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var settings = set.Settings(r, Method.PgdAt, "pretrain", 0);
            using var backend = BackendChoice.Create(r.GetValue(set.Backend)!, Console.Out);
            var (train, source) = set.TrainingData(r, settings.Seed);
            settings = set.WithAugmentation(r, settings, source);
            var spec = new ModelSpec(r.GetValue(arch)!, train.ClassCount, train.Channels, r.GetValue(width));
            using var model = ModelFactory.Create(backend, spec, settings.Seed);
            return Train(backend, model, train, settings, "pretrain");
        }));
        return command;
    }

    public static Command CreateFinetune()
    {
        var set = new TrainingOptionSet();
        var method = new Option<string>("--method") { Description = $"{MethodNames.Choices}.", DefaultValueFactory = _ => "autolora" };
        var init = new Option<string>("--init") { Description = "The pre-trained model to start from: a .safetensors written by autolora, or a PyTorch .pt/.pth/.ckpt (key layout and architecture detected).", Required = true };
        var rank = new Option<int>("--rank") { Description = "LoRA rank (AutoLoRa).", DefaultValueFactory = _ => 8 };
        var lambda1 = new Option<float?>("--lambda1") { Description = "Fixed λ1 (with --lambda2: disables the automatic scalars)." };
        var lambda2 = new Option<float?>("--lambda2") { Description = "Fixed λ2 (with --lambda1)." };
        var lambda2Max = new Option<float>("--lambda2-max") { Description = "λ2max of the automatic scalars.", DefaultValueFactory = _ => 6f };
        var alpha = new Option<float>("--alpha") { Description = "α of the automatic scalars (λ1 = 1 − SA^α).", DefaultValueFactory = _ => 1f };
        var inputSize = new Option<int?>("--input-size")
        {
            Description = "Resize inputs bilinearly to N×N inside the model (e.g. 224 to fine-tune an ImageNet-pretrained ResNet on 32×32 images, as the reference does); saved with the model. Default: keep the pre-trained model's setting.",
        };
        var gamma = new Option<float?>("--gamma") { Description = "TWINS's γ, the weight of the frozen wing's CE and KL (default 1.0, its authors' CIFAR-10 value)." };
        var twinsKl = new Option<string>("--twins-kl")
        {
            Description = "TWINS's KL normalisation: parity (each wing's KL sum / batch size, as its authors' code) | mean (each wing's own mean).",
            DefaultValueFactory = _ => "parity",
        };
        var autoScalars = new Option<bool>("--auto-scalars") { Description = "Vanilla RFT and TWINS with AutoLoRa's scalar scheduler: λ1·CE + λ2·KL from the model's clean training accuracy." };
        var trackGradSim = new Option<bool>("--track-grad-sim") { Description = "Record the gradient similarity of the natural and adversarial objectives per convolution after every epoch (log.jsonl)." };
        var gradSimBatches = new Option<int>("--grad-sim-batches") { Description = "Training batches the tracked gradient similarity is measured on.", DefaultValueFactory = _ => 2 };
        var command = new Command("finetune", "Robustly fine-tunes a pre-trained model to new classes (AutoLoRa by default).")
        {
            method, init, rank, lambda1, lambda2, lambda2Max, alpha, inputSize, gamma, twinsKl, autoScalars, trackGradSim, gradSimBatches,
        };
        set.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var chosen = MethodNames.Parse(r.GetValue(method)!);
            if (r.GetValue(gamma) is not null && chosen != Method.Twins) throw new ArgumentException("--gamma applies to --method twins only.");
            var settings = set.Settings(r, chosen, "finetune-" + r.GetValue(method), 0) with
            {
                Rank = r.GetValue(rank),
                Lambda1 = r.GetValue(lambda1),
                Lambda2 = r.GetValue(lambda2),
                Lambda2Max = r.GetValue(lambda2Max),
                Alpha = r.GetValue(alpha),
                Gamma = r.GetValue(gamma) ?? 1f,
                TwinsKl = MethodNames.ParseTwinsKl(r.GetValue(twinsKl)!),
                AutoScalars = r.GetValue(autoScalars),
                GradSimBatches = r.GetValue(trackGradSim) ? r.GetValue(gradSimBatches) : 0,
            };
            using var backend = BackendChoice.Create(r.GetValue(set.Backend)!, Console.Out);
            var (train, source) = set.TrainingData(r, settings.Seed);
            settings = set.WithAugmentation(r, settings, source);
            using var model = LoadForFineTuning(backend, r.GetValue(init)!, train.ClassCount, train.Channels);
            if (r.GetValue(inputSize) is int size) model.ResizeInputsTo(size);
            return Train(backend, model, train, settings, "finetune " + r.GetValue(method));
        }));
        return command;
    }

    /// <summary>A pre-trained model (autolora or PyTorch file) made ready to fine-tune: <see cref="FineTuning.Prepare"/>.</summary>
    public static Classifier LoadForFineTuning(Core.Backends.Backend backend, string path, int classes, int channels) =>
        FineTuning.Prepare(ModelLoader.Load(path, backend, new ImportSettings { FallbackClasses = classes }), path, classes, channels);

    private static int Train(Core.Backends.Backend backend, Classifier model, AutoLoRa.Data.IImageSet train, RecipeSettings settings, string title)
    {
        Console.WriteLine($"{title}: {model.Spec.Architecture} (width {model.Spec.BaseWidth}, {model.Parameters().Sum(p => (long)p.ElementCount):N0} parameters) on {train}");
        Console.WriteLine($"run directory: {settings.RunDirectory}");
        var run = TrainingView.Run(title, settings.Epochs, p => Recipe.Train(backend, model, train, settings, p));
        TrainingView.Summary(title, run.History);
        Console.WriteLine($"model: {run.FinalModelPath}; best validation model: {run.BestModelPath}");
        return 0;
    }
}
