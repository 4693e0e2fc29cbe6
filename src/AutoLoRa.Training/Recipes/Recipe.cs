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
    public static TrainingRun Train(IBackend backend, Classifier model, IImageSet data, RecipeSettings s,
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
        var config = new
        {
            settings = s,
            model = model.Spec,
            data = data.Name,
            train_images = trainCount,
            validation_images = validationCount,
            threads = Environment.ProcessorCount,
            written = DateTimeOffset.Now,
        };
        string path = Path.Combine(s.RunDirectory, "config.json");
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(config, s_configJson));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static readonly JsonSerializerOptions s_configJson = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

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
    }

    private static Trainer CreateTrainer(IBackend backend, Classifier model, RecipeSettings s, IImageSet train)
    {
        float wd = s.WeightDecay ?? (s.Method == Method.PgdAt ? 5e-4f : 1e-4f);
        float lr = s.LearningRate ?? DefaultRate(s.Method);
        switch (s.Method)
        {
            case Method.Natural:
                return new NaturalFineTuning(model, lr, s.Momentum, wd);
            case Method.PgdAt:
                return new AdversarialPretraining(model, s.Attack, lr, s.Momentum, wd);
            case Method.Vanilla:
                return new VanillaRft(model, s.Attack, lr, s.Beta, s.Momentum, wd);
            case Method.AutoLora:
                if (!model.HasLora) model.AddLora(s.Rank, new Random(s.Seed));
                var scalars = s.Lambda1 is float l1 && s.Lambda2 is float l2
                    ? AutomaticScalars.Fixed(l1, l2)
                    : AutomaticScalars.Automatic(s.Alpha, s.Lambda2Max);
                var probe = ScalarProbe(train, s.ScalarProbeSize, s.Seed);
                var evaluator = new Evaluator(backend, Math.Max(128, s.BatchSize));
                return new AutoLora(model, s.Attack, scalars, () => evaluator.CleanAccuracy(model, probe, Branch.Natural), lr, s.Momentum, wd);
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.Method, "Unknown method.");
        }
    }

    private static ILearningRateSchedule CreateSchedule(RecipeSettings s)
    {
        if (s.Method == Method.AutoLora && s.LearningRate is null) return new AutomaticSchedule(new AutomaticLearningRate());
        float lr = s.LearningRate ?? DefaultRate(s.Method);
        var decay = s.LearningRateMilestones is { } m ? new StepDecay(lr, m) : StepDecay.TradesDefault(lr, s.Epochs);
        return new StepSchedule(decay);
    }

    private static float DefaultRate(Method method) => method == Method.PgdAt ? 0.1f : 0.01f;

    /// <summary>The fixed random subset of training images on which AutoLoRa measures its natural branch.</summary>
    private static IImageSet ScalarProbe(IImageSet train, int size, int seed)
    {
        if (train.Count <= size) return train;
        var order = Enumerable.Range(0, train.Count).ToArray();
        var rng = SeededRandom.For((ulong)seed, 0x5CA1A5);
        rng.Shuffle(order);
        return train.Select(order.AsSpan(0, size), train.Name + " (scalar probe)");
    }
}
