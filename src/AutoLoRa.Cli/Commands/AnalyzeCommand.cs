using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoLoRa.Cli.Options;
using AutoLoRa.Cli.Presentation;
using AutoLoRa.Data;
using AutoLoRa.Formats;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training;
using AutoLoRa.Training.Checkpoints;
using AutoLoRa.Training.Analysis;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Trainers;
using AutoLoRa.ModelFiles;

namespace AutoLoRa.Cli.Commands;

/// <summary><c>autolora analyze grad-sim MODEL_OR_RUN_DIR</c>: the paper's Fig. 1 diagnostic for a trained model or run.</summary>
internal static class AnalyzeCommand
{
    public static Command Create() => new("analyze", "Diagnostics of trained models.") { CreateGradSim() };

    private static Command CreateGradSim()
    {
        var target = new Argument<string>("MODEL_OR_RUN_DIR")
        {
            Description = "A run directory (its checkpoint: both TWINS wings, the run's method and λ values), a run checkpoint, or a model file.",
        };
        var data = CommonOptions.Data();
        var classes = CommonOptions.Classes();
        var method = new Option<string?>("--method")
        {
            Description = $"{RecipeCatalogue.Choices} whose objectives to compare (default: the run's, else autolora for a model with LoRA, vanilla otherwise).",
        };
        var batches = new Option<int>("--batches") { Description = "Training batches to average the per-batch similarities over.", DefaultValueFactory = _ => 4 };
        var batchSize = CommonOptions.BatchSize();
        var epsilon = CommonOptions.Epsilon(8f / 255f);
        var attackStep = new Option<float?>("--attack-step") { Description = "PGD step size of the method's training attack (default eps/4)." };
        var attackSteps = new Option<int>("--attack-steps") { Description = "PGD steps of the method's training attack.", DefaultValueFactory = _ => 10 };
        var gamma = new Option<float>("--gamma") { Description = "TWINS's γ.", DefaultValueFactory = _ => 1f };
        var seed = CommonOptions.Seed();
        var backendOptions = new BackendOptions();
        var output = new Option<string?>("--out") { Description = "Folder for grad-sim.json and grad-sim.png (default: the run directory, or the model file's folder)." };
        var folder = new FolderOptionSet();
        var command = new Command("grad-sim",
            "Cosine similarity, per convolution of the feature extractor, between the gradients of a method's natural and adversarial objectives (paper Fig. 1).")
        {
            target, data, classes, method, batches, batchSize, epsilon, attackStep, attackSteps, gamma, seed, output,
        };
        backendOptions.AddTo(command);
        folder.AddTo(command);
        command.SetAction(r => CliError.Guard(() =>
        {
            if (r.GetValue(batches) < 1) throw new ArgumentException($"--batches must be at least 1 (got {r.GetValue(batches)}).");
            var (modelPath, state) = Resolve(r.GetValue(target)!);
            using var backend = backendOptions.Create(r, Console.Out);
            var (train, _) = DataSelection.Train(r.GetValue(data)!, r.GetValue(classes), limit: null, r.GetValue(seed), folder.Options(r));
            using var model = ModelLoader.Load(modelPath, backend);
            if (model.Spec.Classes != train.ClassCount)
            {
                throw new ArgumentException($"{modelPath} classifies {model.Spec.Classes} classes but the data has {train.ClassCount}; pass the --data and --classes it was trained on.");
            }
            string methodName = r.GetValue(method) ?? state?.Method ?? (model.HasLora ? "autolora" : model.HasTwinNorms ? "twins" : "vanilla");
            float eps = r.GetValue(epsilon);
            string outDir = r.GetValue(output) ?? (Directory.Exists(r.GetValue(target)!) ? r.GetValue(target)! : Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
            var settings = new RecipeSettings
            {
                Method = RecipeCatalogue.FineTuningMethod(methodName, "--method"),
                Epochs = 1,
                RunDirectory = outDir,
                BatchSize = r.GetValue(batchSize),
                Seed = r.GetValue(seed),
                Attack = new PgdConfig(eps, r.GetValue(attackStep) ?? eps / 4, r.GetValue(attackSteps)),
            }.With(TwinsRecipe.Gamma, r.GetValue(gamma)).With(ScalarSettings.GradSimBatches, r.GetValue(batches));
            int gradSimBatches = settings.Get(ScalarSettings.GradSimBatches);
            Recipe.Validate(settings, model);
            using var trainer = Recipe.CreateTrainer(backend, model, settings, train);
            // λ values as the run left them, else as AutoLoRa sets them at an epoch's start (measured now).
            if (state is not null) trainer.RestoreScalars(state.Scalars);
            else trainer.OnEpochProgress(0, 0, 1);

            var probe = TrainingProbe.Subset(train, gradSimBatches * settings.BatchSize, settings.Seed, TrainingProbe.GradientStream);
            var pairs = GradientSimilarity.Measure(backend, trainer, probe, gradSimBatches, settings.BatchSize, settings.Seed);
            string title = $"gradient similarity, {trainer.Method}: {Path.GetFileName(modelPath)} on {train.Name}";
            GradSimView.Table(title, pairs);
            Directory.CreateDirectory(outDir);
            string json = Path.Combine(outDir, "grad-sim.json"), png = Path.Combine(outDir, "grad-sim.png");
            var report = new GradSimReport(modelPath, trainer.Method, train.Name, gradSimBatches, settings.BatchSize, settings.Seed,
                settings.Attack, trainer.Scalars, pairs);
            File.WriteAllText(json, JsonSerializer.Serialize(report, AnalyzeJsonContext.Default.GradSimReport));
            GradSimView.Save(title, pairs, png);
            Console.WriteLine($"wrote {json} and {png}");
            return 0;
        }));
        return command;
    }

    /// <summary>The file to load and, for a run directory or checkpoint, the run's state.</summary>
    private static (string ModelPath, RunState? State) Resolve(string target)
    {
        string path = Directory.Exists(target) ? Path.Combine(target, RunCheckpoint.FileName) : target;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(target)
                ? $"{target} holds no {RunCheckpoint.FileName}; pass a run directory of a finetune run or a model file."
                : $"{target}: no such file.");
        }
        if (ModelLoader.IsPyTorch(path)) return (path, null);
        var metadata = SafeTensors.Read(path).Metadata;
        return (path, metadata.TryGetValue(ModelFile.RunStateKey, out var json) ? JsonSerializer.Deserialize(json, TrainingJsonContext.Default.RunState) : null);
    }
}

/// <summary>grad-sim.json: the analysis settings in snake_case, the attack, scalars and pairs as declared.</summary>
internal sealed record GradSimReport(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("batches")] int Batches,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("attack")] PgdConfig Attack,
    [property: JsonPropertyName("scalars")] IReadOnlyDictionary<string, float> Scalars,
    [property: JsonPropertyName("pairs")] IReadOnlyList<PairSimilarity> Pairs);

/// <summary>Source-generated JSON for grad-sim.json (indented), so the trimmed CLI keeps it.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(GradSimReport))]
internal sealed partial class AnalyzeJsonContext : JsonSerializerContext;
