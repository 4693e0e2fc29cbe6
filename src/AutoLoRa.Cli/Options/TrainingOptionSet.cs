using System.CommandLine;
using System.Globalization;
using AutoLoRa.Core;
using AutoLoRa.Data;
using AutoLoRa.Training.Recipes;

namespace AutoLoRa.Cli.Options;

/// <summary>
/// The options of a training verb: its methods' settings (<see cref="SettingOptions"/>, made from the
/// settings schema) and the data, run-directory and backend options, and how they become <see cref="RecipeSettings"/>.
/// </summary>
internal sealed class TrainingOptionSet
{
    /// <param name="methods">The methods the verb runs.</param>
    public TrainingOptionSet(IReadOnlyList<MethodRecipe> methods)
    {
        Settings = new SettingOptions(methods, new RecipeSettings { Method = methods[0], RunDirectory = "" });
    }

    public Option<string> Data { get; } = CommonOptions.Data();
    public Option<string?> Classes { get; } = CommonOptions.Classes();
    public SettingOptions Settings { get; }
    public Option<int?> TrainLimit { get; } = CommonOptions.Limit("--train-limit", "training images");
    public Option<string?> RunDirectory { get; } = CommonOptions.RunDirectory();
    public BackendOptions Backend { get; } = new();
    public Option<bool> NoResume { get; } = new("--no-resume") { Description = "Start over even if the run directory holds a checkpoint." };
    public Option<bool> Augment { get; } = new("--augment") { Description = "Random crop (with padding) and horizontal flip of training images; always on for folder: data, which trains with the reference's RandomResizedCrop and flip." };
    public FolderOptionSet Folder { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(Classes);
        Settings.AddTo(command);
        foreach (var option in new Option[] { TrainLimit, RunDirectory, NoResume, Augment })
        {
            command.Options.Add(option);
        }
        Backend.AddTo(command);
        Folder.AddTo(command);
    }

    /// <summary>The settings of a <paramref name="method"/> run: its defaults with every given setting flag applied.</summary>
    /// <exception cref="AutoLoRa.Core.SettingException">A flag the method has no setting for, or text that cannot be read.</exception>
    public RecipeSettings For(ParseResult r, MethodRecipe method, string verb) => Settings.Apply(r, new RecipeSettings
    {
        Method = method,
        RunDirectory = r.GetValue(RunDirectory) ?? DefaultRunDirectory(verb),
        Resume = !r.GetValue(NoResume),
    });

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
}
