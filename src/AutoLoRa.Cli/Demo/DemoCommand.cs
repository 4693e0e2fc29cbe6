using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Trainers;
using Spectre.Console;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Demo;

/// <summary>
/// <c>autolora demo</c>: the whole story on real data. Adversarially pre-train a small ResNet on
/// Fashion-MNIST classes 0–4, robustly fine-tune it to classes 5–9 with AutoLoRa and with vanilla
/// RFT (TRADES), and compare clean and PGD-20 accuracy on the test split.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A smoke run: tiny subsets, one epoch each (the ResNet about 25 seconds on 2 cores; the ViT about a minute of CPU time, mostly AutoAttack)." };
        var data = new Option<string?>("--data") { Description = $"Fashion-MNIST directory (default {DataSource.DefaultFashionMnistDirectory})." };
        var runDir = new Option<string>("--run-dir") { Description = "Where the demo keeps its runs (re-running resumes finished phases).", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var arch = new Option<string>("--arch") { Description = "resnet (a small ResNet, default) or vit (vit-mini: 4×4 patches, trained with AdamW at 1e-3).", DefaultValueFactory = _ => "resnet" };
        var seed = CommonOptions.Seed();
        var backendOptions = new BackendOptions();
        var command = new Command("demo", "Pre-trains on Fashion-MNIST 0-4, fine-tunes to 5-9 with AutoLoRa and vanilla RFT, and compares robustness.")
        {
            quick, data, runDir, arch, seed,
        };
        backendOptions.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            var network = DemoModel.Parse(r.GetValue(arch)!);
            var plan = network.Plan(r.GetValue(quick));
            string dir = network.RunDirectory(r.GetValue(runDir)!, r.GetValue(quick));
            string spec = r.GetValue(data) is { } d ? $"fashion-mnist:{d}" : "fashion-mnist";
            using var backend = backendOptions.Create(r, Console.Out);
            return Run(backend, plan, network, spec, dir, r.GetValue(seed));
        }));
        return command;
    }

    private static int Run(Backend backend, DemoPlan plan, DemoModel network, string dataSpec, string dir, int seed)
    {
        var total = Stopwatch.StartNew();
        var attack = new PgdConfig(DemoPlan.Epsilon, DemoPlan.TrainStep, DemoPlan.TrainSteps);
        var (source, _) = DataSelection.Train(dataSpec, DemoPlan.SourceClasses, plan.PretrainImages, seed);
        var (target, _) = DataSelection.Train(dataSpec, DemoPlan.TargetClasses, plan.FineTuneImages, seed);
        var test = DataSelection.Test(dataSpec, DemoPlan.TargetClasses, plan.TestImages);
        AnsiConsole.MarkupLine($"[bold]AutoLoRa.Native demo[/] ({network.Architecture}): Fashion-MNIST, source classes {DemoPlan.SourceClasses} ({source.Count} images), target classes {DemoPlan.TargetClasses} ({target.Count} images), test {test.Count} images, eps {DemoPlan.Epsilon}");

        // 1. A robust backbone: PGD-AT on the source classes.
        var clock = Stopwatch.StartNew();
        string pretrainDir = Path.Combine(dir, "pretrain");
        using (var model = ModelFactory.Create(backend, ModelSpec.ForImages(network.Architecture, source.ClassCount, source.Channels, plan.Width, source.Height), seed))
        {
            var settings = Settings(RecipeCatalogue.Get("pgd-at"), plan.PretrainEpochs, pretrainDir, attack, seed, network);
            TrainingView.Run("pretrain (PGD-AT)", settings.Epochs, p => Recipe.Train(backend, model, source, settings, p));
        }
        double pretrainSeconds = clock.Elapsed.TotalSeconds;
        string backbone = Path.Combine(pretrainDir, "best.safetensors");

        // 2. Robust fine-tuning to the target classes, both ways, from the same backbone.
        // AutoAttack runs on the first test images only: all of them would not fit the demo's time budget.
        var evaluation = new RobustnessSettings { Epsilon = DemoPlan.Epsilon, PgdSteps = DemoPlan.TestSteps, PgdStepSize = DemoPlan.TestStep, AutoAttackImages = plan.AutoAttackImages };
        var rows = new List<DemoRow>();
        foreach (var method in new[] { RecipeCatalogue.Get("autolora"), RecipeCatalogue.Get("vanilla") })
        {
            clock.Restart();
            string name = method.Name == "autolora" ? "AutoLoRa" : "Vanilla RFT (TRADES)";
            string runDir = Path.Combine(dir, method.Name);
            using var model = FineTuning.Load(backend, backbone, target.ClassCount, target.Channels);
            var settings = Settings(method, plan.FineTuneEpochs, runDir, attack, seed, network);
            var run = TrainingView.Run($"fine-tune {name}", settings.Epochs, p => Recipe.Train(backend, model, target, settings, p));
            double trainSeconds = clock.Elapsed.TotalSeconds;

            using var best = ModelFile.Load(run.BestModelPath, backend);
            string autoAttackState = Path.Combine(runDir, $"autoattack-{ModelIdentity.Of(run.BestModelPath)}.json");
            var e = StageProgressView.Run(name, p => RobustnessEvaluation.Run(backend, best, test, evaluation, seed, autoAttackState, p));
            rows.Add(new DemoRow(name, e.Clean, e.Pgd, e.AutoAttack ?? double.NaN, [.. e.AutoAttackFlags], run.History.Count, trainSeconds, e.Seconds));
        }

        PrintTable(rows, plan, pretrainSeconds, total.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(dir, "results.json"), JsonSerializer.Serialize(new DemoResults(plan, DemoPlan.Epsilon, pretrainSeconds, rows), DemoJsonContext.Default.DemoResults));
        Console.WriteLine($"results: {Path.Combine(dir, "results.json")}; plot a run with: autolora plot {Path.Combine(dir, "autolora")}");
        return 0;
    }

    private static RecipeSettings Settings(MethodRecipe method, int epochs, string runDir, PgdConfig attack, int seed, DemoModel network) => new RecipeSettings
    {
        Optimizer = network.Optimizer,
        LearningRate = network.LearningRate,
        LearningRateMilestones = network.LearningRateMilestones,
        Method = method,
        Epochs = epochs,
        RunDirectory = runDir,
        BatchSize = 64,
        Seed = seed,
        Attack = attack,
        ValidationStepSize = DemoPlan.TestStep,
        ValidationFraction = 0.05,
    }.With(ScalarSettings.ScalarProbeSize, 500);

    private static void PrintTable(List<DemoRow> rows, DemoPlan plan, double pretrainSeconds, double totalSeconds)
    {
        var table = new Table().Title($"Fashion-MNIST {DemoPlan.SourceClasses} → {DemoPlan.TargetClasses}, L∞ eps = {DemoPlan.Epsilon}, PGD-{DemoPlan.TestSteps} (step {DemoPlan.TestStep})")
            .AddColumns("method", "clean acc", $"PGD-{DemoPlan.TestSteps} acc", $"AutoAttack acc (first {plan.AutoAttackImages})", "epochs", "train s", "eval s");
        foreach (var r in rows)
        {
            table.AddRow(r.Method, $"{r.CleanAccuracy:P1}", $"{r.RobustAccuracy:P1}", $"{r.AutoAttackAccuracy:P1}", r.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{r.TrainSeconds:F0}", $"{r.EvalSeconds:F0}");
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"pre-training: {plan.PretrainEpochs} epochs in {pretrainSeconds:F0} s; total {totalSeconds:F0} s. Models are the best-validation-robust checkpoints; clean and PGD accuracy on the first {plan.TestImages} test images of classes {DemoPlan.TargetClasses}, standard AutoAttack on the first {plan.AutoAttackImages}.");
        foreach (var r in rows.Where(r => r.AutoAttackFlags.Length > 0)) Console.WriteLine($"{r.Method}: AutoAttack flags: {string.Join(", ", r.AutoAttackFlags)} (see `autolora eval` for details)");
    }

    /// <summary>results.json: the plan, ε and pretraining time in snake_case at the top, the rows as declared.</summary>
    internal sealed record DemoResults(
        [property: JsonPropertyName("plan")] DemoPlan Plan,
        [property: JsonPropertyName("epsilon")] float Epsilon,
        [property: JsonPropertyName("pretrain_seconds")] double PretrainSeconds,
        [property: JsonPropertyName("rows")] List<DemoRow> Rows);

    internal sealed record DemoRow(string Method, float CleanAccuracy, float RobustAccuracy, double AutoAttackAccuracy, string[] AutoAttackFlags, int Epochs, double TrainSeconds, double EvalSeconds);
}

/// <summary>Source-generated JSON for the demo's results.json (indented).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(DemoCommand.DemoResults))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
