using System.CommandLine;

namespace AutoLoRa.Cli.Options;

/// <summary>Options shared by several verbs, created fresh per command (an Option belongs to one command).</summary>
internal static class CommonOptions
{
    public static Option<string> Data(string defaultSpec = "fashion-mnist") => new("--data")
    {
        Description = "Dataset: fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR | cifar100:DIR | stl10:DIR | folder:DIR (DIR/train/<class>/*.jpg|png and DIR/test/<class>/…, decoded per batch to 224×224 with the reference transforms).",
        DefaultValueFactory = _ => defaultSpec,
    };

    public static Option<string?> Classes() => new("--classes")
    {
        Description = "Keep only these classes, relabelled 0..k-1 in order (e.g. 5-9 or 0,2,4).",
    };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed for data order, augmentation, initialisation and attack noise.",
        DefaultValueFactory = _ => 1,
    };

    public static Option<int> BatchSize(int defaultSize = 128) => new("--batch-size")
    {
        Description = "Mini-batch size.",
        DefaultValueFactory = _ => defaultSize,
    };

    public static Option<float> Epsilon(float defaultEps) => new("--eps")
    {
        Description = "L-infinity radius of the attacks, in [0,1] pixel units (e.g. 0.0314 for 8/255).",
        DefaultValueFactory = _ => defaultEps,
    };

    public static Option<int?> Limit(string name, string what) => new(name)
    {
        Description = $"Use only the first N {what} (after a seeded shuffle for training data).",
    };

    public static Option<string?> RunDirectory() => new("--run-dir")
    {
        Description = "Where the run writes config.json, log.jsonl, checkpoints and models (default runs/<verb>-<time>).",
    };
}
