using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoLoRa.Robust;
using AutoLoRa.Training.Optim;
using AutoLoRa.Training.Recipes.Settings;

namespace AutoLoRa.Training.Recipes;

/// <summary>
/// Everything a training run is configured by: the method, the settings every method shares (typed
/// properties, with the reference's defaults) and the method's own settings (kept by key, read and
/// written through the method's <see cref="Setting{T}"/> descriptors). Null learning-rate and
/// weight-decay settings mean "the method's default" (<see cref="MethodRecipe.DefaultLearningRate"/>).
/// </summary>
public sealed record RecipeSettings
{
    /// <summary>The training method (JSON: its <see cref="MethodRecipe.Title"/>).</summary>
    [JsonConverter(typeof(MethodTitleConverter))]
    public required MethodRecipe Method { get; init; }

    /// <summary>Maximum epochs (AutoLoRa may stop earlier, when its learning rate falls below its minimum).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Where the run writes its log, checkpoint and models, and resumes from.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Seeds the split, the batch order, augmentation, attacks and initialisations: the same seed gives the same run.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>A fixed initial learning rate (disables AutoLoRa's automatic schedule).</summary>
    public float? LearningRate { get; init; }

    /// <summary>Epochs at which a fixed learning rate is divided by 10 (default: the method's).</summary>
    public IReadOnlyList<int>? LearningRateMilestones { get; init; }

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>Null: the method's (<see cref="MethodRecipe.DefaultWeightDecay"/>).</summary>
    public float? WeightDecay { get; init; }

    /// <summary>The training attack's radius, step and steps (each trainer picks its objective and start).</summary>
    public PgdConfig Attack { get; init; } = new();

    /// <summary>PGD steps of the validation attack (the reference validates with PGD-20).</summary>
    public int ValidationSteps { get; init; } = 20;

    /// <summary>Step size of the validation attack; null = the training attack's.</summary>
    public float? ValidationStepSize { get; init; }

    /// <summary>Held-out fraction of the training data for validation robust accuracy.</summary>
    public double ValidationFraction { get; init; } = 0.05;

    /// <summary>Random-crop padding of training images in pixels (0: no crops).</summary>
    public int CropPadding { get; init; }

    /// <summary>Random horizontal flips of training images.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Side to which the model resizes its inputs (0: none); null keeps the model's own.</summary>
    public int? InputSize { get; init; }

    /// <summary>How inputs are resized; null: bilinear, or the model's own when only it resizes.</summary>
    public ResizeMode? InputResize { get; init; }

    /// <summary>Continue from RunDirectory's checkpoint when there is one; false starts over.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Where the authors' code and ours differ, which one this run follows (<see cref="ProtocolSettings"/>).</summary>
    public Protocol Protocol { get; init; }

    /// <summary>Whose robust accuracy picks best.safetensors: the validation split (default) or, in reproduction only, the test set (<see cref="SelectionSettings"/>).</summary>
    public CheckpointSelection SelectOn { get; init; }

    /// <summary>SGD (every method's default, the reference's) or AdamW; last, so that settings JSON keeps its older shape in front.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>
    /// The methods' own settings by key (absent: the descriptor's default). A value is kept even when
    /// the method ignores it (a plan's ablation may set "rank" on every method), so that it still
    /// tells two runs apart.
    /// </summary>
    [JsonIgnore]
    public ImmutableDictionary<string, object?> MethodValues { get; init; } = ImmutableDictionary<string, object?>.Empty;

    /// <summary>The value of <paramref name="setting"/>.</summary>
    public T Get<T>(Setting<T> setting) => setting.Get(this);

    /// <summary>These settings with <paramref name="setting"/> set to <paramref name="value"/>.</summary>
    public RecipeSettings With<T>(Setting<T> setting, T value) => setting.Set(this, value);
}

/// <summary>A method in settings JSON: its <see cref="MethodRecipe.Title"/>, as the method enum once wrote it.</summary>
internal sealed class MethodTitleConverter : JsonConverter<MethodRecipe>
{
    public override MethodRecipe Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string title = reader.GetString() ?? "";
        return RecipeCatalogue.All.FirstOrDefault(m => m.Title == title) ?? throw new JsonException($"No method titled '{title}'.");
    }

    public override void Write(Utf8JsonWriter writer, MethodRecipe value, JsonSerializerOptions options) => writer.WriteStringValue(value.Title);
}
