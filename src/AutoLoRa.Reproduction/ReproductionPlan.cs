using System.Text.Json;
using AutoLoRa.Robust;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Reproduction;

/// <summary>
/// A grid of fine-tuning runs to reproduce: every method on every dataset from every model, once
/// per seed, plus named ablations (settings changes for some methods), each evaluated the same way.
/// Read from JSON by <see cref="PlanParser"/>; expanded into cells by <see cref="PlanGrid"/>.
/// </summary>
public sealed record ReproductionPlan
{
    /// <summary>The plan's name (its results folder).</summary>
    public required string Name { get; init; }

    /// <summary>What the plan reproduces, for people.</summary>
    public string Description { get; init; } = "";

    /// <summary>L∞ radius of every attack: training, validation and test.</summary>
    public required float Epsilon { get; init; }

    /// <summary>Settings of every fine-tuning run ("epochs" is required).</summary>
    public required SettingsPatch Settings { get; init; }

    /// <summary>Settings of one method's runs, applied after <see cref="Settings"/> (e.g. the baselines' own learning rates).</summary>
    public IReadOnlyDictionary<string, SettingsPatch> MethodSettings { get; init; } = new Dictionary<string, SettingsPatch>();

    /// <summary>The downstream datasets.</summary>
    public required IReadOnlyList<PlanDataset> Datasets { get; init; }

    /// <summary>The backbones: checkpoints, or models pre-trained first.</summary>
    public required IReadOnlyList<PlanModel> Models { get; init; }

    /// <summary>Names of fine-tuning methods (<see cref="RecipeCatalogue.FineTuning"/>).</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>The seeds every cell runs with.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Variants besides each method's baseline (which is always run, as ablation "default").</summary>
    public IReadOnlyList<PlanAblation> Ablations { get; init; } = [];

    /// <summary>How each fine-tuned model is scored.</summary>
    public required RobustnessSettings Evaluation { get; init; }

    /// <summary>Test images evaluated, from the first; null = the whole test split.</summary>
    public int? TestImages { get; init; }

    /// <summary>Each method's runs: its baseline, then the ablations that apply to it.</summary>
    public IEnumerable<PlanAblation> VariantsOf(string method) => [PlanAblation.Default, .. Ablations.Where(a => a.AppliesTo(method))];

    /// <summary>One fine-tuning run's settings: defaults, then the plan's, the method's and the ablation's settings, in that order.</summary>
    public RecipeSettings SettingsFor(string method, PlanAblation ablation, int seed)
    {
        var s = Settings.ApplyTo(Defaults(RecipeCatalogue.FineTuningMethod(method, "method"), seed));
        if (MethodSettings.TryGetValue(method, out var own)) s = own.ApplyTo(s);
        return ablation.Settings.ApplyTo(s);
    }

    /// <summary>The PGD-AT settings of a backbone the runner pre-trains.</summary>
    public RecipeSettings PretrainSettings(PretrainSpec pretrain) => pretrain.Settings.ApplyTo(Defaults(RecipeCatalogue.Get("pgd-at"), pretrain.Seed));

    /// <summary>PGD-10 with step ε/4 at the plan's radius (the reference's 2/255 at 8/255); "epochs" always comes from the plan.</summary>
    private RecipeSettings Defaults(MethodRecipe method, int seed) =>
        new() { Method = method, Epochs = 1, RunDirectory = "", Seed = seed, Attack = PgdConfig.Training(Epsilon) };
}

/// <summary>A downstream task: a data spec (as <c>--data</c>), an optional class subset and training-image limit.</summary>
public sealed record PlanDataset(string Name, string Data, string? Classes, int? TrainImages);

/// <summary>A backbone: an existing checkpoint, or one the runner pre-trains first with PGD-AT (<see cref="Pretrain"/>).</summary>
public sealed record PlanModel(string Name, string? Checkpoint, PretrainSpec? Pretrain);

/// <summary>How to pre-train a backbone: data, architecture and PGD-AT settings.</summary>
public sealed record PretrainSpec(string Data, string? Classes, int? TrainImages, string Architecture, int Width, int Seed, SettingsPatch Settings);

/// <summary>A named variant: settings applied after the method's, to the listed methods (all when null).</summary>
/// <summary>Accuracies a paper published for a variant, in percent (null: not published, or diverged).</summary>
public sealed record PublishedNumbers(double? CleanPercent, double? AutoAttackPercent, string? Note);

/// <summary>
/// A named variant: settings applied after the method's, to some methods or all; optionally the
/// numbers a paper published for it, per method, which the results table puts beside ours.
/// </summary>
public sealed record PlanAblation(string Name, IReadOnlyList<string>? Methods, SettingsPatch Settings,
    IReadOnlyDictionary<string, PublishedNumbers>? Published = null)
{
    /// <summary>The name of each method's unchanged run.</summary>
    public const string Baseline = "default";

    /// <summary>Each method's unchanged run.</summary>
    public static PlanAblation Default { get; } = new(Baseline, null, SettingsPatch.Empty);

    /// <summary>Whether the ablation runs with <paramref name="method"/> (no list: every method).</summary>
    public bool AppliesTo(string method) => Methods is null || Methods.Contains(method);
}

/// <summary>Setting changes (key → JSON value, keys of <see cref="SettingSchema.PlanKeys"/>), applied in order.</summary>
public sealed record SettingsPatch(IReadOnlyList<KeyValuePair<string, JsonElement>> Entries)
{
    /// <summary>No keys.</summary>
    public static SettingsPatch Empty { get; } = new([]);

    /// <summary>Whether <paramref name="key"/> is set.</summary>
    public bool Has(string key) => Entries.Any(e => e.Key == key);

    /// <summary><paramref name="s"/> with these keys applied, in order.</summary>
    public RecipeSettings ApplyTo(RecipeSettings s) => Entries.Aggregate(s, (current, e) => SettingSchema.ApplyPlanKey(current, e.Key, e.Value));
}
