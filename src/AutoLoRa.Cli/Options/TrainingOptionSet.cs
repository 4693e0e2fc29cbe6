using System.CommandLine;
using System.Globalization;
using AutoLoRa.Data;
using AutoLoRa.Training.Recipes;
using AutoLoRa.Training.Trainers;

namespace AutoLoRa.Cli.Options;

/// <summary>The options every training verb shares, and how they become <see cref="RecipeSettings"/>.</summary>
internal sealed class TrainingOptionSet
{
    public Option<string> Data { get; } = CommonOptions.Data();
    public Option<string?> Classes { get; } = CommonOptions.Classes();
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Maximum epochs (AutoLoRa may stop earlier when its learning rate falls below 1e-5).", DefaultValueFactory = _ => 10 };
    public Option<int> BatchSize { get; } = CommonOptions.BatchSize();
    public Option<float?> LearningRate { get; } = new("--lr") { Description = "Fixed initial learning rate (for AutoLoRa this replaces the automatic schedule)." };
    public Option<string?> Milestones { get; } = new("--lr-milestones") { Description = "Epochs at which a fixed learning rate is divided by 10, e.g. 30,50 (default 50% and 83% of the epochs)." };
    public Option<float> Epsilon { get; } = CommonOptions.Epsilon(8f / 255f);
    public Option<float?> AttackStep { get; } = new("--attack-step") { Description = "PGD step size (default eps/4)." };
    public Option<int> AttackSteps { get; } = new("--attack-steps") { Description = "PGD steps of the training attack.", DefaultValueFactory = _ => 10 };
    public Option<double> ValidationFraction { get; } = new("--val-fraction") { Description = "Held-out fraction of the training data for validation (PGD-20).", DefaultValueFactory = _ => 0.05 };
    public Option<int?> TrainLimit { get; } = CommonOptions.Limit("--train-limit", "training images");
    public Option<int> Seed { get; } = CommonOptions.Seed();
    public Option<string?> RunDirectory { get; } = CommonOptions.RunDirectory();
    public Option<string> Backend { get; } = CommonOptions.Backend();
    public Option<bool> NoResume { get; } = new("--no-resume") { Description = "Start over even if the run directory holds a checkpoint." };
    public Option<bool> Augment { get; } = new("--augment") { Description = "Random crop (with padding) and horizontal flip of training images; always on for folder: data, which trains with the reference's RandomResizedCrop and flip." };
    public FolderOptionSet Folder { get; } = new();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Data, Classes, Epochs, BatchSize, LearningRate, Milestones, Epsilon, AttackStep, AttackSteps, ValidationFraction, TrainLimit, Seed, RunDirectory, Backend, NoResume, Augment })
        {
            command.Options.Add(option);
        }
        Folder.AddTo(command);
    }

    public RecipeSettings Settings(ParseResult r, Method method, string verb, int cropPadding)
    {
        float eps = r.GetValue(Epsilon);
        return new RecipeSettings
        {
            Method = method,
            Epochs = r.GetValue(Epochs),
            BatchSize = r.GetValue(BatchSize),
            Seed = r.GetValue(Seed),
            RunDirectory = r.GetValue(RunDirectory) ?? DefaultRunDirectory(verb),
            LearningRate = r.GetValue(LearningRate),
            LearningRateMilestones = ParseMilestones(r.GetValue(Milestones)),
            Attack = new AttackSettings(eps, r.GetValue(AttackStep) ?? eps / 4, r.GetValue(AttackSteps)),
            ValidationFraction = r.GetValue(ValidationFraction),
            Resume = !r.GetValue(NoResume),
            CropPadding = r.GetValue(Augment) ? cropPadding : 0,
            HorizontalFlip = r.GetValue(Augment),
        };
    }

    /// <summary>
    /// --augment for the data at hand: in-memory images get the random crop with the family's padding
    /// and flips; image folders always train with the reference's RandomResizedCrop and flip.
    /// </summary>
    public RecipeSettings WithAugmentation(ParseResult r, RecipeSettings settings, DataSource source)
    {
        bool folder = source.Kind == DataKind.Folder;
        bool augment = r.GetValue(Augment) || folder;
        return settings with { CropPadding = augment && !folder ? source.DefaultCropPadding : 0, HorizontalFlip = augment };
    }

    /// <summary>The training split of --data with --classes, --train-limit and the folder options applied.</summary>
    public (IImageSet Data, DataSource Source) TrainingData(ParseResult r, int seed) =>
        DataSelection.Train(r.GetValue(Data)!, r.GetValue(Classes), r.GetValue(TrainLimit), seed, Folder.Options(r));

    public static string DefaultRunDirectory(string verb) =>
        Path.Combine("runs", $"{verb}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");

    private static int[]? ParseMilestones(string? text)
    {
        if (text is null) return null;
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--lr-milestones must be comma-separated epochs such as 30,50 (got '{text}').");
        }
    }
}
