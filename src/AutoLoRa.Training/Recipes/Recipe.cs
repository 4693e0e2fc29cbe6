using System.Text.Json;
using System.Text.Json.Serialization;
using AutoLoRa.Core.Backends;
using AutoLoRa.Data;
using AutoLoRa.Nn;
using AutoLoRa.Nn.Models;
using AutoLoRa.Robust;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Schedules;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Turns <see cref="RecipeSettings"/> into a trainer, a schedule and a <see cref="TrainingRun"/>
/// over a seeded train/validation split — the one place where the methods' defaults live, shared
/// by the CLI verbs, the demo and the reproduction runner.
/// </summary>
public static class Recipe
{
    /// <summary>Trains <paramref name="model"/> in place; returns the run (history, file paths).</summary>
    public static TrainingRun Train(Backend backend, Classifier model, IImageSet data, RecipeSettings s,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        Validate(s, model);
        var (train, validation) = DatasetSplit.Split(data, s.ValidationFraction, (ulong)s.Seed);
        using var trainer = CreateTrainer(backend, model, s, train);
        var schedule = CreateSchedule(s);
        var options = new TrainingOptions
        {
            Epochs = s.Epochs,
            BatchSize = s.BatchSize,
            Seed = s.Seed,
            RunDirectory = s.RunDirectory,
            ValidationAttack = PgdConfig.Evaluation(s.Attack.Epsilon, s.ValidationSteps, s.ValidationStepSize ?? s.Attack.StepSize),
            Resume = s.Resume,
            CropPadding = s.CropPadding,
            HorizontalFlip = s.HorizontalFlip,
            GradSimBatches = s.GradSimBatches,
        };
        WriteConfig(s, model, data, train.Count, validation.Count);
        var run = new TrainingRun(backend, trainer, schedule, options);
        run.Run(train, validation, progress, cancel);
        return run;
    }

    /// <summary>RunDirectory/config.json: what this run is, for people and for reproduction.</summary>
    private static void WriteConfig(RecipeSettings s, Classifier model, IImageSet data, int trainCount, int validationCount)
    {
        Directory.CreateDirectory(s.RunDirectory);
        var config = new RunConfig(s, model.Spec, data.Name, trainCount, validationCount, Environment.ProcessorCount, DateTimeOffset.Now);
        string path = Path.Combine(s.RunDirectory, "config.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(config, RunConfigJsonContext.Default.RunConfig));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Settings that cannot work, named in one sentence each; without a model, the checks that need one are left for training.</summary>
    public static void Validate(RecipeSettings s, Classifier? model = null)
    {
        if (s.Epochs < 1) throw new ArgumentException($"--epochs must be at least 1 (got {s.Epochs}).");
        if (s.BatchSize < 2) throw new ArgumentException($"--batch-size must be at least 2 for batch-norm (got {s.BatchSize}).");
        if (!(s.ValidationFraction > 0 && s.ValidationFraction < 1)) throw new ArgumentException($"--val-fraction must be in (0, 1) (got {s.ValidationFraction}).");
        if (s.LearningRate is <= 0) throw new ArgumentException($"--lr must be positive (got {s.LearningRate}).");
        if (s.Lambda1.HasValue != s.Lambda2.HasValue) throw new ArgumentException("--lambda1 and --lambda2 must be given together (fixed scalars) or not at all (automatic).");
        if (s.Lambda1 is < 0 or > 1) throw new ArgumentException($"--lambda1 must be in [0, 1] (got {s.Lambda1}).");
        if (s.Method == Method.AutoLora && s.Rank < 1) throw new ArgumentException($"--rank must be at least 1 for AutoLoRa (got {s.Rank}).");
        if (s.Attack.Epsilon < 0 || s.Attack.StepSize < 0 || s.Attack.Steps < 0) throw new ArgumentException("Attack settings must not be negative.");
        if (s.Method != Method.AutoLora && model is { HasLora: true }) throw new ArgumentException($"The {s.Method} method trains a model without LoRA branches; merge or drop them first.");
        if (s.Method != Method.Twins && model is { HasTwinNorms: true }) throw new ArgumentException($"The {s.Method} method trains a model with plain batch-norms; drop the TWINS frozen wings first.");
        if (!(s.Gamma >= 0)) throw new ArgumentException($"--gamma must not be negative (got {s.Gamma}).");
        if (s.Method == Method.Twins && s.BatchSize < 4) throw new ArgumentException($"--batch-size must be at least 4 for TWINS, so that each batch-norm wing sees two samples (got {s.BatchSize}).");
        bool tradesLike = s.Method is Method.Vanilla or Method.Twins;
        if (s.AutoScalars && !tradesLike) throw new ArgumentException("--auto-scalars applies to vanilla and twins; AutoLoRa's scalars are automatic unless --lambda1/--lambda2 fix them.");
        if (s.AutoScalars && s.Lambda1.HasValue) throw new ArgumentException("--auto-scalars and fixed --lambda1/--lambda2 exclude each other.");
        if (s.Lambda1.HasValue && !tradesLike && s.Method != Method.AutoLora) throw new ArgumentException($"--lambda1/--lambda2 do not apply to the {s.Method} method.");
        if (s.GradSimBatches < 0) throw new ArgumentException($"--grad-sim-batches must not be negative (got {s.GradSimBatches}).");
        if (s.GradSimBatches > 0 && !tradesLike && s.Method != Method.AutoLora) throw new ArgumentException($"The {s.Method} method has no natural and adversarial objectives whose gradients could be compared.");
    }

    /// <summary>
    /// The method's trainer over <paramref name="model"/>, with its defaults filled in; adds what the
    /// method needs to the model first (AutoLoRa's LoRA branches, TWINS's frozen wings, both
    /// initialised from the model's current, pre-trained state). Used by training and by the
    /// gradient-similarity analysis, which needs a method's objectives without a run.
    /// </summary>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="model">The model to train (changed in place as described).</param>
    /// <param name="s">The settings.</param>
    /// <param name="train">Training data: the automatic scalars measure accuracy on a fixed subset of it.</param>
    public static Trainer CreateTrainer(Backend backend, Classifier model, RecipeSettings s, IImageSet train)
    {
        float wd = s.WeightDecay ?? s.Method switch { Method.PgdAt => 5e-4f, Method.Twins => 1e-5f, _ => 1e-4f };
        float lr = s.LearningRate ?? DefaultRate(s.Method);
        switch (s.Method)
        {
            case Method.Natural:
                return new NaturalFineTuning(model, lr, s.Momentum, wd);
            case Method.PgdAt:
                return new AdversarialPretraining(model, s.Attack, lr, s.Momentum, wd);
            case Method.Vanilla:
                return new VanillaRft(model, s.Attack, lr, s.Beta, s.Momentum, wd, TradesScalars(backend, model, s, train));
            case Method.Twins:
                if (!model.HasTwinNorms) model.AddTwinNorms();
                return new Twins(model, s.Attack, lr, s.Gamma, s.Beta, s.BatchSize, s.TwinsKl, s.Momentum, wd, TradesScalars(backend, model, s, train));
            case Method.AutoLora:
                if (!model.HasLora) model.AddLora(s.Rank, new Random(s.Seed));
                return new AutoLora(model, s.Attack, Scalars(s), Accuracy(backend, model, s, train, Branch.Natural), lr, s.Momentum, wd);
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.Method, "Unknown method.");
        }
    }

    /// <summary>Fixed λ1/λ2 when both are given, else the automatic rule.</summary>
    private static AutomaticScalars Scalars(RecipeSettings s) => s.Lambda1 is float l1 && s.Lambda2 is float l2
        ? AutomaticScalars.Fixed(l1, l2)
        : AutomaticScalars.Automatic(s.Alpha, s.Lambda2Max);

    /// <summary>
    /// Vanilla RFT's and TWINS's λ1/λ2 with --auto-scalars or --lambda1/--lambda2, else null (TRADES's
    /// 1 and β). Without a natural branch, the accuracy the rule reads is the model's own clean
    /// accuracy in eval mode, which for TWINS is its adaptive wing: the network it deploys.
    /// </summary>
    private static MeasuredScalars? TradesScalars(Backend backend, Classifier model, RecipeSettings s, IImageSet train) =>
        s.AutoScalars || s.Lambda1.HasValue ? new MeasuredScalars(Scalars(s), Accuracy(backend, model, s, train, Branch.Main)) : null;

    /// <summary>Clean accuracy along <paramref name="branch"/> on the fixed scalar probe of the training data.</summary>
    private static Func<float> Accuracy(Backend backend, Classifier model, RecipeSettings s, IImageSet train, Branch branch)
    {
        var probe = TrainingProbe.Subset(train, s.ScalarProbeSize, s.Seed, TrainingProbe.ScalarStream);
        var evaluator = new Evaluator(backend, Math.Max(128, s.BatchSize));
        return () => evaluator.CleanAccuracy(model, probe, branch);
    }

    private static ILearningRateSchedule CreateSchedule(RecipeSettings s)
    {
        if (s.Method == Method.AutoLora && s.LearningRate is null) return new AutomaticSchedule(new AutomaticLearningRate());
        float lr = s.LearningRate ?? DefaultRate(s.Method);
        var decay = s.LearningRateMilestones is { } m ? new StepDecay(lr, m)
            : s.Method == Method.Twins ? StepDecay.TwinsDefault(lr, s.Epochs)
            : StepDecay.TradesDefault(lr, s.Epochs);
        return new StepSchedule(decay);
    }

    private static float DefaultRate(Method method) => method switch
    {
        Method.PgdAt => 0.1f,
        Method.Twins => 0.003f,
        _ => 0.01f,
    };
}

/// <summary>The shape of RunDirectory/config.json (top-level names in snake_case, the settings and model as declared).</summary>
internal sealed record RunConfig(
    [property: JsonPropertyName("settings")] RecipeSettings Settings,
    [property: JsonPropertyName("model")] ModelSpec Model,
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("train_images")] int TrainImages,
    [property: JsonPropertyName("validation_images")] int ValidationImages,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("written")] DateTimeOffset Written);

/// <summary>Source-generated JSON for config.json: indented, enums by name.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunConfig))]
internal sealed partial class RunConfigJsonContext : JsonSerializerContext;
