using System.Text.Json;
using System.Text.RegularExpressions;
using AutoLoRa.Nn.Models;
using AutoLoRa.Training.Evaluation;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Reproduction;

/// <summary>
/// Reads a plan's JSON (comments and trailing commas allowed) and checks it before anything runs:
/// keys, types, names, methods, every run's settings, data directories and checkpoint files. All
/// problems are reported together in one <see cref="PlanException"/>.
/// </summary>
public static partial class PlanParser
{
    /// <param name="json">The plan's text.</param>
    /// <param name="origin">The plan's file or built-in name, for messages (and the default plan name).</param>
    /// <param name="sources">Asked whether each data spec can be loaded.</param>
    /// <exception cref="PlanException">Every problem found, each prefixed with its place in the plan.</exception>
    public static ReproductionPlan Parse(string json, string origin, IPlanSources sources)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PlanException(origin, [$"not valid JSON: {e.Message}"]);
        }
        using (document)
        {
            var problems = new List<string>();
            var root = PlanJsonObject.Of(document.RootElement, "", problems) ?? throw new PlanException(origin, problems);
            float epsilon = root.Float("epsilon", required: true) ?? 0;
            if (epsilon is < 0 or > 1) root.Problem("epsilon", $"must be in [0, 1] pixel units (got {epsilon}).");
            var methods = Methods(root);
            var evaluation = Evaluation(root, epsilon, out int? testImages);
            var plan = new ReproductionPlan
            {
                Name = root.Value("name") is null ? Path.GetFileNameWithoutExtension(origin) : Name(root) ?? "",
                Description = root.String("description") ?? "",
                Epsilon = epsilon,
                Settings = Settings(root, "settings", requireEpochs: true),
                Methods = methods,
                MethodSettings = MethodSettings(root, methods),
                Datasets = Datasets(root),
                Models = Models(root),
                Seeds = Seeds(root),
                Ablations = Ablations(root, methods),
                Evaluation = evaluation,
                TestImages = testImages,
            };
            root.RejectUnknownKeys();
            CheckFiles(plan, sources, problems);
            CheckSettings(plan, problems);
            if (problems.Count > 0) throw new PlanException(origin, problems);
            return plan;
        }
    }

    private static void CheckFiles(ReproductionPlan plan, IPlanSources sources, List<string> problems)
    {
        foreach (var d in plan.Datasets)
        {
            if (sources.DataProblem(d.Data) is { } problem) problems.Add($"dataset '{d.Name}': {problem}");
        }
        foreach (var m in plan.Models)
        {
            if (m.Pretrain is { } p && sources.DataProblem(p.Data) is { } problem) problems.Add($"model '{m.Name}' pre-training data: {problem}");
            if (m.Checkpoint is { } path && !File.Exists(path)) problems.Add($"model '{m.Name}': checkpoint {path}: no such file.");
        }
    }

    /// <summary>Every run's settings as the recipe checks them (the seed changes none of the checks).</summary>
    private static void CheckSettings(ReproductionPlan plan, List<string> problems)
    {
        foreach (var method in plan.Methods.Where(IsMethod))
        {
            foreach (var variant in plan.VariantsOf(method))
            {
                Check(() => Recipe.Validate(plan.SettingsFor(method, variant, seed: 1)), $"method '{method}', ablation '{variant.Name}'", problems);
            }
        }
        foreach (var m in plan.Models.Where(m => m.Pretrain is not null))
        {
            // A backbone's pre-training is never scored on a test set, so it has none to select on.
            Check(() =>
            {
                var settings = plan.PretrainSettings(m.Pretrain!);
                Recipe.Validate(settings);
                SelectionSettings.CheckTestSet(settings, test: null);
            }, $"model '{m.Name}' pre-training", problems);
        }
    }

    private static void Check(Action validate, string where, List<string> problems)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            problems.Add($"{where}: {e.Message}");
        }
    }

    private static bool IsMethod(string name) => MethodProblem(name) is null;

    /// <summary>Why <paramref name="name"/> is not a method of this build, or null when it is one.</summary>
    private static string? MethodProblem(string name)
    {
        try
        {
            RecipeCatalogue.FineTuningMethod(name, "method");
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static List<string> Methods(PlanJsonObject root)
    {
        var methods = root.Strings("methods", required: true)?.ToList() ?? [];
        for (int i = 0; i < methods.Count; i++)
        {
            string method = methods[i], key = $"methods[{i}]";
            if (methods.IndexOf(method) < i)
            {
                root.Problem(key, $"'{method}' is listed twice.");
                continue;
            }
            if (MethodProblem(method) is { } problem) root.Problem(key, problem);
        }
        return methods;
    }

    /// <summary>A settings object: each key is tried on default settings, so unknown keys and bad values surface now, not mid-plan.</summary>
    private static SettingsPatch Settings(PlanJsonObject parent, string key, bool requireEpochs = false)
    {
        if (parent.Object(key, required: requireEpochs) is not { } o) return SettingsPatch.Empty;
        var probe = new RecipeSettings { Method = RecipeCatalogue.FineTuning[0], Epochs = 1, RunDirectory = "" };
        var entries = new List<KeyValuePair<string, JsonElement>>();
        foreach (var property in o.Properties())
        {
            try
            {
                SettingSchema.ApplyPlanKey(probe, property.Name, property.Value);
                entries.Add(new(property.Name, property.Value.Clone()));
            }
            catch (ArgumentException e)
            {
                o.Problem(property.Name, e.Message);
            }
        }
        if (requireEpochs && !o.Properties().Any(p => p.Name == "epochs")) o.Problem("epochs", "required.");
        return new SettingsPatch(entries);
    }

    private static Dictionary<string, SettingsPatch> MethodSettings(PlanJsonObject root, IReadOnlyList<string> methods)
    {
        var result = new Dictionary<string, SettingsPatch>();
        if (root.Object("method-settings") is not { } o) return result;
        foreach (var property in o.Properties())
        {
            if (!methods.Contains(property.Name)) o.Problem(property.Name, $"'{property.Name}' is not one of the plan's methods ({string.Join(", ", methods)}).");
            else result[property.Name] = Settings(o, property.Name);
            if (result.TryGetValue(property.Name, out var patch) && IsMethod(property.Name)) RejectUnused(o, property.Name, patch);
        }
        return result;
    }

    /// <summary>A method's own settings that it does not use are a mistake (plan-wide settings and ablations may set them for every method).</summary>
    private static void RejectUnused(PlanJsonObject o, string method, SettingsPatch patch)
    {
        var recipe = RecipeCatalogue.FineTuningMethod(method, "method");
        foreach (var key in patch.Entries.Select(e => e.Key))
        {
            var setting = SettingSchema.PlanKeys.First(s => s.Key == key);
            if (recipe.Uses(setting)) continue;
            string users = RecipeCatalogue.Sentence(SettingSchema.MethodsUsing(setting).Select(m => m.Name));
            o.Problem($"{method}.{key}", $"{method} does not use {key}; it applies to {users}.");
        }
    }

    private static List<PlanDataset> Datasets(PlanJsonObject root)
    {
        var datasets = new List<PlanDataset>();
        foreach (var o in Objects(root, "datasets"))
        {
            string? name = Name(o), data = o.String("data", required: true);
            string? classes = o.String("classes");
            int? trainImages = o.Int("train-images", minimum: 1);
            o.RejectUnknownKeys();
            if (name is not null && data is not null) datasets.Add(new PlanDataset(name, data, classes, trainImages));
        }
        Unique(root, "datasets", datasets.Select(d => d.Name));
        return datasets;
    }

    private static List<PlanModel> Models(PlanJsonObject root)
    {
        var models = new List<PlanModel>();
        foreach (var o in Objects(root, "models"))
        {
            string? name = Name(o), checkpoint = o.String("checkpoint");
            var pretrain = o.Object("pretrain") is { } p ? Pretrain(p) : null;
            if ((o.Value("checkpoint") is null) == (o.Value("pretrain") is null)) o.Problem("give either \"checkpoint\" (a model file) or \"pretrain\" (settings), exactly one.");
            o.RejectUnknownKeys();
            if (name is not null && (checkpoint is not null || pretrain is not null)) models.Add(new PlanModel(name, checkpoint, pretrain));
        }
        Unique(root, "models", models.Select(m => m.Name));
        return models;
    }

    private static PretrainSpec? Pretrain(PlanJsonObject o)
    {
        string? data = o.String("data", required: true), classes = o.String("classes");
        int? trainImages = o.Int("train-images", minimum: 1);
        string? arch = o.String("arch", required: true);
        if (arch is not null && !ModelFactory.Architectures.Contains(arch)) o.Problem("arch", $"'{arch}' is unknown; choose one of {string.Join(", ", ModelFactory.Architectures)}.");
        int width = o.Int("width", minimum: 1) ?? 64;
        int seed = o.Int("seed") ?? 1;
        var settings = Settings(o, "settings", requireEpochs: true);
        o.RejectUnknownKeys();
        return data is null || arch is null ? null : new PretrainSpec(data, classes, trainImages, arch, width, seed, settings);
    }

    private static List<int> Seeds(PlanJsonObject root)
    {
        var seeds = new List<int>();
        foreach (var (item, path) in root.Array("seeds") ?? [])
        {
            if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int seed)) seeds.Add(seed);
            else root.Problems.Add($"{path}: must be a whole number (got {item.GetRawText()}).");
        }
        if (seeds.Count == 0 && root.Value("seeds") is null) seeds.Add(1);
        if (seeds.Count == 0) root.Problem("seeds", "must list at least one seed.");
        if (seeds.Distinct().Count() != seeds.Count) root.Problem("seeds", "lists a seed twice.");
        return seeds;
    }

    private static List<PlanAblation> Ablations(PlanJsonObject root, IReadOnlyList<string> methods)
    {
        var ablations = new List<PlanAblation>();
        foreach (var o in Objects(root, "ablations", required: false))
        {
            string? name = Name(o);
            if (name == PlanAblation.Baseline) o.Problem("name", $"'{PlanAblation.Baseline}' is the name of each method's baseline run; choose another.");
            var only = o.Strings("methods");
            foreach (var method in only?.Where(m => !methods.Contains(m)) ?? [])
            {
                o.Problem("methods", $"'{method}' is not one of the plan's methods ({string.Join(", ", methods)}).");
            }
            var settings = Settings(o, "settings");
            var published = Published(o, only ?? methods);
            o.RejectUnknownKeys();
            if (name is not null) ablations.Add(new PlanAblation(name, only, settings, published));
        }
        Unique(root, "ablations", ablations.Select(a => a.Name));
        return ablations;
    }

    /// <summary>An ablation's "published": method → { "sa": %, "aa": %, "note": text } (each optional).</summary>
    private static Dictionary<string, PublishedNumbers>? Published(PlanJsonObject ablation, IReadOnlyList<string> methods)
    {
        if (ablation.Object("published") is not { } o) return null;
        var result = new Dictionary<string, PublishedNumbers>();
        foreach (var property in o.Properties())
        {
            if (!methods.Contains(property.Name)) o.Problem(property.Name, $"'{property.Name}' is not one of the methods this ablation runs ({string.Join(", ", methods)}).");
            else if (o.Object(property.Name) is { } numbers)
            {
                result[property.Name] = new PublishedNumbers(numbers.Float("sa"), numbers.Float("aa"), numbers.String("note"));
                numbers.RejectUnknownKeys();
            }
        }
        return result;
    }

    private static RobustnessSettings Evaluation(PlanJsonObject root, float epsilon, out int? testImages)
    {
        var o = root.Object("evaluation");
        var evaluation = new RobustnessSettings
        {
            Epsilon = epsilon,
            PgdSteps = o?.Int("pgd-steps", minimum: 1) ?? 20,
            PgdStepSize = o?.Float("pgd-step") ?? epsilon / 4,
            AutoAttackImages = o?.Int("autoattack-images", minimum: 0),
            BatchSize = o?.Int("batch-size", minimum: 1) ?? 128,
        };
        testImages = o?.Int("test-images", minimum: 1);
        o?.RejectUnknownKeys();
        return evaluation;
    }

    /// <summary>The objects of a list of objects (a problem for each item that is not one).</summary>
    private static IEnumerable<PlanJsonObject> Objects(PlanJsonObject root, string key, bool required = true) =>
        (root.Array(key, required) ?? []).Select(x => PlanJsonObject.Of(x.Item, x.Path, root.Problems)).OfType<PlanJsonObject>().ToList();

    /// <summary>A name used in directory and file names, so it is kept to letters, digits, '-' and '_'.</summary>
    private static string? Name(PlanJsonObject o)
    {
        string? name = o.String("name", required: true);
        if (name is null || NamePattern().IsMatch(name)) return name;
        o.Problem("name", $"'{name}' must start with a letter or digit and hold only letters, digits, '-' and '_' (it names directories).");
        return null;
    }

    private static void Unique(PlanJsonObject root, string key, IEnumerable<string> names)
    {
        foreach (var twice in names.GroupBy(n => n).Where(g => g.Count() > 1)) root.Problem(key, $"the name '{twice.Key}' is used twice.");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex NamePattern();
}
