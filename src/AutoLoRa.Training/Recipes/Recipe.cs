using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AutoLoRa.Distributed;
using AutoLoRa.Robust;
using AutoLoRa.Training.Recipes.Settings;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Runs <see cref="RecipeSettings"/>: checks them, asks the method's <see cref="MethodRecipe"/> for
/// its trainer and schedule, and trains over a seeded train/validation split — shared by the CLI
/// verbs, the demo and the reproduction runner.
/// </summary>
public static class Recipe
{
    /// <summary>
    /// Trains <paramref name="model"/> in place; returns the run (history, file paths). With
    /// <paramref name="replicas"/> of several ranks this process is one replica of a data-parallel
    /// run (every rank calls this with the same settings; rank 0 writes the files). <paramref name="test"/>
    /// is the test set a reproduction run is scored on, needed (and used) only with select-on test.
    /// </summary>
    /// <exception cref="SettingException">A setting that cannot work, or select-on test without <paramref name="test"/>.</exception>
    public static TrainingRun Train(Backend backend, Classifier model, IImageSet data, RecipeSettings s,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, Communicator? replicas = null, IImageSet? test = null)
    {
        Validate(s, model);
        SelectionSettings.CheckTestSet(s, test);
        PrepareModel(model, s);
        var (train, validation) = DatasetSplit.Split(data, s.ValidationFraction, (ulong)s.Seed);
        using var trainer = CreateTrainer(backend, model, s, train);
        var schedule = s.Method.CreateSchedule(s);
        var options = Options(s);
        if (replicas is not { IsRoot: false }) WriteConfig(s, model, data, train.Count, validation.Count, replicas?.Size ?? 1);
        var run = new TrainingRun(backend, trainer, schedule, options, replicas);
        run.Run(train, validation, progress, cancel, SelectionSettings.OnTest(s) ? test : null);
        return run;
    }

    /// <summary>
    /// What the settings change in the model before training: its input resize, and for the reference
    /// protocol a fine-tuning head initialised as PyTorch's nn.Linear (FineTuning.Prepare made it zero).
    /// </summary>
    internal static void PrepareModel(Classifier model, RecipeSettings s)
    {
        CommonSettings.ResizeInputs(model, s);
        if (s.Method.FineTunes && !ProtocolSettings.ZeroHead(s)) model.ReplaceHead(model.Spec.Classes, new Random(s.Seed));
    }

    /// <summary>The epoch loop's options: sizes, seed, run directory, the validation attack (its start the protocol's), augmentation.</summary>
    internal static TrainingOptions Options(RecipeSettings s) => new()
    {
        Epochs = s.Epochs,
        BatchSize = s.BatchSize,
        Seed = s.Seed,
        RunDirectory = s.RunDirectory,
        ValidationAttack = PgdConfig.Evaluation(s.Attack.Epsilon, s.ValidationSteps, s.ValidationStepSize ?? s.Attack.StepSize) with { Start = ProtocolSettings.ValidationStart(s) },
        Resume = s.Resume,
        CropPadding = s.CropPadding,
        HorizontalFlip = s.HorizontalFlip,
        GradSimBatches = s.Get(ScalarSettings.GradSimBatches),
    };

    /// <summary>RunDirectory/config.json: what this run is, for people and for reproduction.</summary>
    private static void WriteConfig(RecipeSettings s, Classifier model, IImageSet data, int trainCount, int validationCount, int ranks)
    {
        RunDirectories.Create(s.RunDirectory);
        var warnings = SelectionSettings.Warning(s) is { } warning ? new[] { warning } : null;
        var config = new RunConfig(SettingsJson.Write(s), model.Spec, data.Name, trainCount, validationCount, Environment.ProcessorCount, ranks, DateTimeOffset.Now, warnings);
        string path = Path.Combine(s.RunDirectory, "config.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(config, RunConfigJsonContext.Default.RunConfig));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>
    /// Settings that cannot work, named in one sentence each by their setting keys; without a model,
    /// the checks that need one are left for training.
    /// </summary>
    /// <exception cref="SettingException">A setting that cannot work.</exception>
    /// <exception cref="ArgumentException">The model does not suit the method.</exception>
    public static void Validate(RecipeSettings s, Classifier? model = null)
    {
        var method = s.Method;
        CommonSettings.Validate(s);
        ScalarSettings.Validate(method, s);
        method.Validate(s);
        if (!method.TrainsLora && model is { HasLora: true }) throw new ArgumentException($"The {method.Title} method trains a model without LoRA branches; merge or drop them first.");
        if (!method.TrainsTwinNorms && model is { HasTwinNorms: true }) throw new ArgumentException($"The {method.Title} method trains a model with plain batch-norms; drop the TWINS frozen wings first.");
    }

    /// <summary>
    /// The method's trainer over <paramref name="model"/> (see <see cref="MethodRecipe.CreateTrainer"/>), with the optimizer the settings choose.
    /// Used by training and by the gradient-similarity analysis, which needs a method's objectives without a run.
    /// </summary>
    public static Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train)
    {
        var trainer = s.Method.CreateTrainer(backend, model, s, train);
        trainer.UseOptimizer(s.Optimizer);
        return trainer;
    }
}

/// <summary>The shape of RunDirectory/config.json (top-level names in snake_case, the settings as <see cref="SettingsJson"/> writes them, the model as declared).</summary>
internal sealed record RunConfig(
    [property: JsonPropertyName("settings")] JsonObject Settings,
    [property: JsonPropertyName("model")] ModelSpec Model,
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("train_images")] int TrainImages,
    [property: JsonPropertyName("validation_images")] int ValidationImages,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("ranks")] int Ranks,
    [property: JsonPropertyName("written")] DateTimeOffset Written,
    [property: JsonPropertyName("warnings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Warnings = null);

/// <summary>Source-generated JSON for config.json: indented, enums by name.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunConfig))]
internal sealed partial class RunConfigJsonContext : JsonSerializerContext;
